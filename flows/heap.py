"""The garbage collector during a run: fewer full collections, none over the imports.

A run allocates millions of small objects that live for a part (facts, changes,
alerts), and CPython's collector answers with full collections that walk every
tracked object, the ~200,000 of Prefect's and pydantic's imports included. Over the
1,000-article benchmark flow and its idle rerun, collection took 1.8 s of the flow
process's CPU, 0.9-1.0 s with ``run_heap`` (docs/benchmarks.md).

During a run, ``run_heap`` collects once, moves the objects that survive to the
collector's permanent generation (``gc.freeze``) so that later collections skip
them, and collects the young generation every 10,000 allocations instead of 700.
When the last run in the process ends, it unfreezes them (collectable again) and
puts the thresholds back. Cycles that become garbage during the run are still
collected, but those that reach the oldest generation would wait for a full
collection, which comes about every 4 million allocations instead of 70,000. At
10,000 articles (10 parts) that raised the flow's peak RSS from 339 to 379 MB: what a
finished part leaves in reference cycles stays until then. So a run in parts calls
``part_done`` between parts: one full collection, of the run's own objects only
(338 MB with it; docs/benchmarks.md).
A process that froze objects itself keeps its own freeze: then only the thresholds
change.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RUN_THRESHOLDS = (10_000, 20, 20)

_lock = threading.Lock()
_runs = 0
_saved: tuple[int, int, int] | None = None
_froze = False


@contextmanager
def run_heap() -> Iterator[None]:
    """The collector tuned for one run; runs at once in one process share it, and the
    last to end restores the process's own settings."""
    global _runs, _saved, _froze
    with _lock:
        if _runs == 0:
            _saved = gc.get_threshold()
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.collect()  # garbage frozen now would stay until the run ends
                gc.freeze()
            gc.set_threshold(*RUN_THRESHOLDS)
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                if _froze:
                    gc.unfreeze()
                if _saved is not None:
                    gc.set_threshold(*_saved)
                _saved, _froze = None, False


def part_done() -> None:
    """Between two parts of a run: collect what the finished part left in cycles."""
    gc.collect()
