"""Runs and the per-topic lock on a real database: no overlap, crashes detected,
a busy SQLite writer waited for."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import RunBusy, RunResult, SourceError, Store
from tests.storage.test_store import TOPIC, figure_change_result


def test_a_second_run_of_a_topic_waits_for_the_first(store: Store) -> None:
    first = store.start_run(TOPIC)
    with pytest.raises(RunBusy, match=f"run {first} is in progress"):
        store.start_run(TOPIC)
    other = store.start_run("another-topic")  # other topics are not blocked
    store.save_run(RunResult(first, TOPIC))  # completing frees the topic
    second = store.start_run(TOPIC)
    assert second > other > first
    store.fail_run(second, "boom")  # failing frees it too
    store.start_run(TOPIC)


def test_a_run_whose_process_died_is_crashed_and_replaced(store: Store) -> None:
    # A lease long enough that a loaded CI machine reads the run within it (0.2 s was
    # not: a run read 0.2 s late is already crashed), then a wait past its end.
    lease_s = 1.5
    started = time.monotonic()
    dead = store.start_run(TOPIC, lease_s=lease_s)
    assert {r.id: r.state for r in store.runs(TOPIC)}[dead] == "running"
    time.sleep(max(0.0, started + lease_s + 0.1 - time.monotonic()))
    assert {r.id: r.state for r in store.runs(TOPIC)}[dead] == "crashed"
    new = store.start_run(TOPIC)
    states = {r.id: r.state for r in store.runs(TOPIC)}
    assert (states[dead], states[new]) == ("crashed", "running")


def test_concurrent_starts_give_one_run(store: Store) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[object] = []

    def start() -> None:
        barrier.wait()
        try:
            outcomes.append(store.start_run(TOPIC))
        except RunBusy as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    started = [o for o in outcomes if isinstance(o, int)]
    assert len(started) == 1
    assert sum(isinstance(o, RunBusy) for o in outcomes) == 3


def test_a_locked_sqlite_database_is_waited_for(tmp_path: Path) -> None:
    from storage import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'busy.db'}")
    migrate(engine)
    store = Store(engine)
    result = figure_change_result(store, "http://127.0.0.1:1/a", "150000000000")
    holder = engine.connect()
    holder.execute(text("BEGIN IMMEDIATE"))  # another writer holds the database
    release = threading.Timer(1.0, lambda: (holder.execute(text("COMMIT")), holder.close()))
    release.start()
    began = time.monotonic()
    saved = store.save_run(replace(result))
    assert time.monotonic() - began >= 0.9  # it waited instead of failing "database is locked"
    assert saved.articles_new == 1
    release.join()
    engine.dispose()


def test_processes_opening_a_new_database_at_once_all_succeed(
    database_url: str, tmp_path: Path
) -> None:
    """A served flow run and the CLI may both be first to open the database."""
    import subprocess
    import sys

    code = "import sys; from storage import make_engine, migrate; migrate(make_engine(sys.argv[1]))"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, database_url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors


def test_a_run_saved_in_parts_adds_up_and_completes_with_its_last_part(store: Store) -> None:
    first = figure_change_result(store, "http://127.0.0.1:1/a", "150000000000")
    run_id = first.run_id
    part = replace(first, feeds=(), final=False, errors=[SourceError("http://x/1", "HTTP 404")])
    assert store.save_run(part).articles_new == 1
    [running] = store.runs(TOPIC)
    assert (running.state, running.articles_new, running.finished_at) == ("running", 1, None)
    with pytest.raises(RunBusy):  # the run still holds its topic between parts
        store.start_run(TOPIC)

    second = figure_change_result(store, "http://127.0.0.1:1/b", "160000000000", run_id=run_id)
    saved = store.save_run(replace(second, errors=[SourceError("http://x/2", "timeout")]))
    assert (saved.articles_new, saved.facts_new) == (1, 1)
    [done] = store.runs(TOPIC)
    assert (done.state, done.feeds_ok, done.articles_new, done.facts_new) == ("completed", 1, 2, 2)
    assert [e.source for e in done.errors] == ["http://x/1", "http://x/2"]
    store.start_run(TOPIC)  # the last part freed the topic
