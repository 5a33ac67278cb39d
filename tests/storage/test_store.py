"""Storage on a real database: SQLite file, and PostgreSQL where configured."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, inspect

from alerts import SeverityRules, build_alerts
from facts.model import Change, ChangeKind, Fact, Status
from storage import (
    ArticleRecord,
    FeedOutcome,
    RunResult,
    SourceError,
    Store,
    make_engine,
    migrate,
)
from storage.models import Base
from tests.factories import baseline_figure, commitment, figure

TOPIC = "t"


def article(
    url: str, guid: str | None = None, published: date = date(2025, 12, 6)
) -> ArticleRecord:
    return ArticleRecord(
        url=url,
        title=f"Title of {url}",
        outlet="News Example",
        published=published,
        text="Body.",
        content_hash="0" * 64,
        guid=guid,
        feed_url="http://127.0.0.1:1/feed.xml",
    )


def figure_change_result(
    store: Store, url: str, value: str, *, run_id: int | None = None
) -> RunResult:
    """A run (a new one, or ``run_id``) that saw one article stating a new value for
    the trade target."""
    if run_id is None:
        run_id = store.start_run(TOPIC)
    observed = figure(value, url=url)
    change = Change(
        ChangeKind.FIGURE_CHANGED,
        observed,
        baseline=baseline_figure("100000000000"),
        details={"value": {"old": "100000000000", "new": value, "relative": None}},
    )
    return RunResult(
        run_id=run_id,
        topic=TOPIC,
        feeds=[
            FeedOutcome("demo", "http://127.0.0.1:1/feed.xml", ok=True, status="200", etag='"v1"')
        ],
        articles=[(article(url, guid=f"guid-{url}"), (observed,))],
        changes=[change],
        alerts=build_alerts(TOPIC, [change], SeverityRules()),
    )


def test_migrations_create_the_schema_the_models_describe(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # idempotent
    tables = set(inspect(engine).get_table_names())
    assert {"runs", "feeds", "articles", "facts", "changes", "alerts", "alert_sources"} <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "models and migrations disagree: write a migration"
    engine.dispose()


def test_a_migration_cut_short_leaves_the_schema_as_it_was(database_url: str) -> None:
    """A run killed during the first migration must not leave tables with no version row:
    the next run would fail on "table already exists" for good."""
    engine = make_engine(database_url)
    created = 0

    def killed_at_the_fourth_table(_conn: object, _cursor: object, statement: str, *_: object):
        nonlocal created
        if statement.lstrip().upper().startswith("CREATE TABLE"):
            created += 1
            if created == 4:
                raise KeyboardInterrupt  # not an Exception: as abrupt as Python lets a test be

    event.listen(engine, "before_cursor_execute", killed_at_the_fourth_table)
    with pytest.raises(KeyboardInterrupt):
        migrate(engine)
    event.remove(engine, "before_cursor_execute", killed_at_the_fourth_table)
    assert created == 4
    assert inspect(engine).get_table_names() == []
    migrate(engine)  # the next run builds the whole schema
    assert {"feeds", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_save_run_stores_everything_and_twice_stores_nothing_twice(store: Store) -> None:
    result = figure_change_result(store, "http://127.0.0.1:1/a", "150000000000")
    first = store.save_run(result)
    assert (first.articles_new, first.facts_new, first.alerts_new) == (1, 1, 1)
    again = store.save_run(replace(result, run_id=store.start_run(TOPIC)))
    assert (again.articles_new, again.facts_new, again.alerts_new) == (0, 0, 0)
    counts = store.counts(TOPIC)
    assert (counts["articles"], counts["facts"], counts["alerts"]) == (1, 1, 1)
    [fact] = store.facts(TOPIC)
    assert fact.value == Decimal("150000000000")
    assert fact.evidence.published == date(2025, 12, 6)


def test_the_same_change_from_another_article_adds_a_source_not_an_alert(store: Store) -> None:
    store.save_run(figure_change_result(store, "http://127.0.0.1:1/a", "150000000000"))
    saved = store.save_run(figure_change_result(store, "http://127.0.0.1:1/b", "150000000000"))
    assert (saved.alerts_new, saved.alerts_updated) == (0, 1)
    [alert] = store.alerts(TOPIC)
    assert [s.url for s in alert.sources] == ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"]
    assert store.alert(alert.id) == alert
    assert store.alerts_by_id(["a_missing", alert.id, alert.id]) == [alert]


def test_an_alert_counts_as_updated_once_a_run_and_never_in_the_run_that_made_it(
    store: Store,
) -> None:
    """A run saved in parts: part 1 creates an alert and adds a source to one from an
    earlier run; part 2 adds sources to both. The run has one new alert and one
    updated alert, not three updates."""
    old = figure_change_result(store, "http://127.0.0.1:1/a", "150000000000")
    store.save_run(old)
    run_id = store.start_run(TOPIC)

    def part(url: str, value: str, *, final: bool) -> RunResult:
        result = figure_change_result(store, url, value, run_id=run_id)
        return replace(result, feeds=[], final=final)

    first = store.save_run(part("http://127.0.0.1:1/b", "150000000000", final=False))
    made = store.save_run(part("http://127.0.0.1:1/c", "175000000000", final=False))
    second = store.save_run(part("http://127.0.0.1:1/d", "150000000000", final=False))
    third = store.save_run(part("http://127.0.0.1:1/e", "175000000000", final=True))
    assert (first.alerts_new, first.alerts_updated) == (0, 1)
    assert (made.alerts_new, made.alerts_updated) == (1, 0)
    assert (second.alerts_new, second.alerts_updated) == (0, 0)  # counted in part 1
    assert (third.alerts_new, third.alerts_updated) == (0, 0)  # made in this run
    sources = {a.observed_value: len(a.sources) for a in store.alerts(TOPIC)}
    assert sorted(sources.values()) == [2, 3]  # a, b, d and c, e
    later = store.save_run(figure_change_result(store, "http://127.0.0.1:1/f", "175000000000"))
    assert (later.alerts_new, later.alerts_updated) == (0, 1)  # a later run counts again


def test_an_alerts_first_sources_and_their_count_come_from_the_database(store: Store) -> None:
    """The report reads each alert's first sources (dated first, earliest first, then by
    URL as Python orders str: "B" before "a") and counts the rest in SQL; both must
    agree with the whole list on every database."""
    dates: list[date | None] = [date(2025, 12, d) for d in (9, 6, 6, 6, 8)] + [None, None]
    urls = [f"http://127.0.0.1:1/{p}" for p in ("x", "b", "B", "a", "é", "z", "A")]
    run_id = store.start_run(TOPIC)
    observed = [
        figure("150000000000", url=u, published=d) for u, d in zip(urls, dates, strict=True)
    ]
    changes = [
        Change(
            ChangeKind.FIGURE_CHANGED,
            fact,
            baseline=baseline_figure("100000000000"),
            details={"value": {"old": "100000000000", "new": "150000000000", "relative": None}},
        )
        for fact in observed
    ]
    reprinted = {urls[1]: urls[0], urls[6]: urls[0]}
    articles = [
        (replace(article(u, published=d), reprint_of=reprinted.get(u)), (fact,))
        for u, d, fact in zip(urls, dates, observed, strict=True)
    ]
    [built] = build_alerts(TOPIC, changes, SeverityRules())
    store.save_run(RunResult(run_id, TOPIC, [], articles, changes, [built]))

    [whole] = store.alerts_by_id([built.id])
    assert [s.url.rsplit("/", 1)[1] for s in whole.sources] == ["B", "a", "b", "é", "x", "A", "z"]
    for first in (1, 3, 7, 50):
        [cut] = store.alerts_by_id([built.id, "a_missing"], sources=first)
        assert cut.sources == whole.sources[:first]
        assert replace(cut, source=whole.source, corroborating=()) == replace(
            whole, corroborating=()
        )
    assert store.source_counts([built.id, "a_missing", built.id]) == {built.id: (7, 2)}


def test_known_entries_by_url_or_guid(store: Store) -> None:
    store.save_run(figure_change_result(store, "http://127.0.0.1:1/a", "150000000000"))
    known = store.known_entries(
        TOPIC,
        [
            ("http://127.0.0.1:1/a", None),  # same URL
            ("http://127.0.0.1:2/moved", "guid-http://127.0.0.1:1/a"),  # same GUID, new address
            ("http://127.0.0.1:1/new", "guid-new"),
        ],
    )
    assert known == {"http://127.0.0.1:1/a", "http://127.0.0.1:2/moved"}
    assert store.known_entries("other-topic", [("http://127.0.0.1:1/a", None)]) == set()


def test_prior_observations_round_trip_exactly(store: Store) -> None:
    run_id = store.start_run(TOPIC)
    facts = (
        figure("41.3", unit="percent", url="http://127.0.0.1:1/a"),
        commitment(Status.SIGNED, deadline="2027-03", url="http://127.0.0.1:1/a"),
    )
    store.save_run(RunResult(run_id, TOPIC, articles=[(article("http://127.0.0.1:1/a"), facts)]))
    prior = store.prior_observations(TOPIC, {f.key for f in facts})
    assert sorted(prior, key=lambda f: f.key) == sorted(facts, key=lambda f: f.key)


def test_feed_state_keeps_validators_and_counts_failures(store: Store) -> None:
    url = "http://127.0.0.1:1/feed.xml"
    ok = FeedOutcome("demo", url, ok=True, status="200", etag='"v1"', last_modified="Mon")
    store.save_run(RunResult(store.start_run(TOPIC), TOPIC, feeds=[ok]))
    not_modified = FeedOutcome("demo", url, ok=True, status="not_modified")
    store.save_run(RunResult(store.start_run(TOPIC), TOPIC, feeds=[not_modified]))
    state = store.feed_states(TOPIC)[url]
    assert (state.etag, state.last_modified, state.consecutive_failures) == ('"v1"', "Mon", 0)
    failed = FeedOutcome("demo", url, ok=False, status="error", error=f"{url}: HTTP 500")
    for _ in range(2):
        store.save_run(
            RunResult(
                store.start_run(TOPIC), TOPIC, feeds=[failed], errors=[SourceError(url, "HTTP 500")]
            )
        )
    state = store.feed_states(TOPIC)[url]
    assert state.consecutive_failures == 2
    assert state.etag == '"v1"'
    [latest, *_] = store.runs(TOPIC)
    assert latest.state == "completed"
    assert latest.feeds_failed == 1
    assert latest.errors == (SourceError(url, "HTTP 500"),)


def test_a_save_that_fails_midway_leaves_nothing_half_written(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = figure_change_result(store, "http://127.0.0.1:1/a", "150000000000")

    def broken(*_args: object) -> tuple[int, int]:
        raise RuntimeError("disk full")  # after articles and facts were added

    monkeypatch.setattr(Store, "_save_alerts", broken)
    with pytest.raises(RuntimeError):
        store.save_run(result)
    assert store.counts(TOPIC) == {"articles": 0, "facts": 0, "alerts": 0, "changes": 0, "runs": 1}
    [run] = store.runs(TOPIC)
    assert run.state == "running"


def test_saving_for_an_unknown_run_is_refused(store: Store) -> None:
    result = figure_change_result(store, "http://127.0.0.1:1/a", "150000000000")
    with pytest.raises(LookupError, match="run 999999"):
        store.save_run(replace(result, run_id=999_999))
    assert store.counts(TOPIC)["articles"] == 0


def test_fail_run_marks_the_run_and_keeps_earlier_data(store: Store) -> None:
    store.save_run(figure_change_result(store, "http://127.0.0.1:1/a", "150000000000"))
    run_id = store.start_run(TOPIC)
    store.fail_run(run_id, "boom")
    runs = {r.id: r for r in store.runs(TOPIC)}
    assert runs[run_id].state == "failed"
    assert runs[run_id].errors == (SourceError("run", "boom"),)
    assert store.counts(TOPIC)["articles"] == 1


def test_alert_filters(store: Store) -> None:
    store.save_run(figure_change_result(store, "http://127.0.0.1:1/a", "150000000000"))
    [alert] = store.alerts(TOPIC)
    assert store.alerts(TOPIC, kind=ChangeKind.FIGURE_CHANGED) == [alert]
    assert store.alerts(TOPIC, kind=ChangeKind.CONTRADICTION) == []
    assert store.alerts(TOPIC, severity=alert.severity) == [alert]
    assert store.alert("a_missing") is None


def test_latest_observations_are_those_of_each_keys_latest_day(store: Store) -> None:
    def seen(status: Status, day: date | None, url: str, subject: str) -> Fact:
        return commitment(status, subject=subject, url=url, published=day)

    facts = [
        seen(Status.AGREED, date(2025, 12, 1), "http://127.0.0.1:1/a", "depot"),
        seen(Status.SIGNED, date(2025, 12, 9), "http://127.0.0.1:1/b", "depot"),
        seen(Status.POSTPONED, date(2025, 12, 9), "http://127.0.0.1:1/c", "depot"),
        seen(Status.AGREED, None, "http://127.0.0.1:1/d", "depot"),
        seen(Status.AGREED, None, "http://127.0.0.1:1/e", "corridor"),
        seen(Status.SIGNED, None, "http://127.0.0.1:1/f", "corridor"),
    ]
    run_id = store.start_run(TOPIC)
    articles = [(article(f.evidence.url), (f,)) for f in facts]
    store.save_run(RunResult(run_id, TOPIC, articles=articles))
    latest = store.latest_observations(TOPIC, {f.key for f in facts})
    assert sorted(f.evidence.url[-1] for f in latest) == ["b", "c", "e", "f"]
