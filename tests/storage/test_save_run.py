"""Store.save_run with runs larger than its chunks, on SQLite and PostgreSQL.

The chunk sizes are made tiny here, so that a handful of articles, facts, changes
and alerts crosses every chunk boundary: rows stored by one chunk must be seen by
the next (no duplicates), and a run stays all or nothing.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from alerts import SeverityRules, build_alerts
from facts.model import Alert, Change, ChangeKind, Fact, Severity, Status
from storage import ChannelPolicy, Outbox, RunResult, SavedRun, Store, repo
from storage.models import Base, ChangeRow
from storage.outbox import plan
from tests.factories import baseline_figure, commitment, figure, figure_change
from tests.storage.test_store import TOPIC, article

URL = "http://127.0.0.1:1/{}"
HOOK = ChannelPolicy("desk-hook", "webhook", Severity.LOW)
T1 = datetime(2026, 1, 1, 12, tzinfo=UTC)
T2 = datetime(2026, 1, 2, 12, tzinfo=UTC)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo, "_IN_CHUNK", 2)
    monkeypatch.setattr(repo, "_INSERT_CHUNK", 3)
    monkeypatch.setattr(repo, "_ARTICLE_CHUNK", 2)
    monkeypatch.setattr(repo, "_ALERT_CHUNK", 2)


def corpus(n: int) -> tuple[list[tuple[Fact, Fact]], list[Change]]:
    """Per article i: a figure that changed against the baseline, and a commitment.

    Subjects and values repeat, so that several articles back one alert.
    """
    facts: list[tuple[Fact, Fact]] = []
    changes: list[Change] = []
    for i in range(n):
        change = figure_change("100", str(150 + i % 2), subject=f"trade {i % 3}", url=URL.format(i))
        changes.append(change)
        pledge = commitment(Status.SIGNED, subject=f"pledge {i % 2}", url=URL.format(i))
        facts.append((change.observed, pledge))
    return facts, changes


def run_of(
    store: Store, facts: Sequence[tuple[Fact, Fact]], changes: Sequence[Change], at: datetime
) -> RunResult:
    articles = [(article(URL.format(i)), pair) for i, pair in enumerate(facts)]
    return RunResult(
        run_id=store.start_run(TOPIC),
        topic=TOPIC,
        articles=articles,
        changes=changes,
        alerts=build_alerts(TOPIC, changes, SeverityRules()),
        channels=[HOOK],
        finished_at=at,
    )


def summary(alerts: Sequence[Alert]) -> set[tuple[object, ...]]:
    return {
        (a.id, a.kind, a.severity, a.subject, a.key, a.summary, a.observed_value,
         frozenset(a.sources))
        for a in alerts
    }  # fmt: skip


@pytest.mark.usefixtures("small_chunks")
def test_a_run_larger_than_the_chunks_stores_every_row_once(store: Store) -> None:
    facts, changes = corpus(7)
    result = run_of(store, facts, changes, T1)
    first = result.articles[0]
    # In chunks of two: article 3 twice in one chunk, article 0 again in the last one;
    # article 6 also quotes article 0's figure (the same fact); one alert is listed twice.
    a = result.articles
    sixth = (a[6][0], (*a[6][1], first[1][0]))
    articles = [a[0], a[1], a[3], a[3], a[2], a[4], a[5], sixth, first]
    result = replace(result, articles=articles, alerts=[*result.alerts, result.alerts[0]])
    assert len({a.id for a in result.alerts}) == 6

    saved = store.save_run(result)

    assert (saved.articles_new, saved.facts_new) == (7, 14)
    assert (saved.alerts_new, saved.alerts_updated) == (6, 0)
    assert saved.deliveries_new == len(plan(TOPIC, result.alerts[:6], [HOOK])) == 6
    counts = store.counts(TOPIC)
    assert (counts["articles"], counts["facts"], counts["alerts"], counts["changes"]) == (
        7, 14, 6, 7,
    )  # fmt: skip
    assert sorted(store.facts(TOPIC), key=lambda f: f.id) == sorted(
        {f for pair in facts for f in pair}, key=lambda f: f.id
    )
    assert summary(store.alerts(TOPIC)) == summary(result.alerts)
    assert len(Outbox(store.engine).deliveries(TOPIC)) == 6

    again = store.save_run(replace(result, run_id=store.start_run(TOPIC), finished_at=T2))
    assert again == SavedRun(0, 0, 0, 0, 0)
    counts = store.counts(TOPIC)
    assert (counts["articles"], counts["facts"], counts["alerts"]) == (7, 14, 6)
    assert counts["changes"] == 14  # a run's changes are the run's own


@pytest.mark.usefixtures("small_chunks")
def test_a_later_run_adds_sources_to_stored_alerts(store: Store) -> None:
    facts, changes = corpus(8)
    early = run_of(store, facts[:3], changes[:3], T1)
    assert store.save_run(early).alerts_new == len(early.alerts) == 3
    full = run_of(store, facts, changes, T2)
    before = {a.id: {s.url for s in a.sources} for a in early.alerts}
    gained = [
        a for a in full.alerts if a.id in before and {s.url for s in a.sources} > before[a.id]
    ]
    assert gained  # the test means something

    saved = store.save_run(full)

    assert saved.articles_new == 5
    assert saved.alerts_new == len(full.alerts) - len(before)
    assert saved.alerts_updated == len(gained)
    assert summary(store.alerts(TOPIC)) == summary(full.alerts)
    # Messages go out for new alerts only, not for ones that gained a source.
    assert saved.deliveries_new == len(full.alerts) - len(before)


def test_change_details_are_json_with_strings_for_decimals_and_dates(store: Store) -> None:
    observed = figure("150", url=URL.format("a"))
    details = {
        "value": {"old": Decimal("100"), "new": Decimal("1.5E+2"), "relative": None},
        "seen": date(2025, 12, 6),
        "text": 'quote "with" \\ backslash\tand tab, ünïcode',
    }
    change = Change(
        ChangeKind.FIGURE_CHANGED, observed, baseline=baseline_figure("100"), details=details
    )
    store.save_run(RunResult(store.start_run(TOPIC), TOPIC, changes=[change]))
    with store.engine.connect() as conn:
        row = conn.execute(select(ChangeRow.__table__)).one()
    assert row.details == {
        "value": {"old": "100", "new": "1.5E+2", "relative": None},
        "seen": "2025-12-06",
        "text": 'quote "with" \\ backslash\tand tab, ünïcode',
    }
    assert (row.fact_id, row.key, row.other_fact_id) == (observed.id, observed.key, None)


@pytest.mark.usefixtures("small_chunks")
def test_a_save_that_fails_after_every_row_is_written_stores_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts, changes = corpus(5)
    result = run_of(store, facts, changes, T1)

    def broken(*_args: object) -> None:
        raise RuntimeError("connection lost")  # the run's last statement

    monkeypatch.setattr(repo, "release_lock", broken)
    with pytest.raises(RuntimeError):
        store.save_run(result)
    assert store.counts(TOPIC) == {"articles": 0, "facts": 0, "alerts": 0, "changes": 0, "runs": 1}
    assert Outbox(store.engine).deliveries(TOPIC) == []
    [run] = store.runs(TOPIC)
    assert run.state == "running"


def test_save_run_holds_a_chunk_of_rows_not_the_run(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory is flat in the number of changes: ten times as many cost no more."""
    monkeypatch.setattr(repo, "_INSERT_CHUNK", 100)
    change = figure_change("100", "150", url=URL.format("a"))

    def peak(n: int) -> int:
        result = RunResult(store.start_run(TOPIC), TOPIC, changes=[change] * n)
        gc.collect()
        tracemalloc.start()
        try:
            store.save_run(result)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(100)  # statements compiled and cached
    # tracemalloc counts every thread's allocations (the session's Prefect API runs in
    # this process): the least of three saves is the save's own.
    small = min(peak(1_000) for _ in range(3))
    large = min(peak(10_000) for _ in range(3))
    assert large < small * 1.5, (small, large)


def test_bulk_inserts_refuse_columns_whose_type_processes_values(store: Store) -> None:
    with store.engine.connect() as conn, pytest.raises(TypeError, match="runs"):
        repo._insert_many(conn, Base.metadata.tables["runs"], [])
