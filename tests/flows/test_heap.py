"""run_heap: the collector tuned for a run, and the process's own settings back after."""

from __future__ import annotations

import gc
import weakref

from flows.heap import RUN_THRESHOLDS, run_heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_a_run_freezes_the_heap_and_puts_everything_back() -> None:
    before = gc.get_threshold()
    with run_heap():
        assert gc.get_threshold() == RUN_THRESHOLDS
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_runs_at_once_keep_it_tuned_until_the_last_ends() -> None:
    before = gc.get_threshold()
    first, second = run_heap(), run_heap()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == RUN_THRESHOLDS
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_garbage_is_collected_before_the_freeze_and_during_the_run() -> None:
    gc.disable()  # no automatic collection: only run_heap's and the test's own
    try:
        old = _cycle()  # garbage already, not yet collected
        with run_heap():
            assert old() is None  # collected, not frozen for the run's length
            new = _cycle()
            gc.collect()
            assert new() is None
    finally:
        gc.enable()


def test_a_freeze_the_process_made_itself_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with run_heap():
            assert gc.get_threshold() == RUN_THRESHOLDS
        # Still frozen (objects freed since by their last reference leave the count).
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


def test_an_error_in_the_run_still_restores_the_collector() -> None:
    before = gc.get_threshold()
    try:
        with run_heap():
            raise RuntimeError("the run failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
