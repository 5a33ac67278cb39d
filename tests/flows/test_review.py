"""Review on the demo's data: reprints, the ledger, accepting a change, the audit log."""

from __future__ import annotations

from dataclasses import replace

import pytest

import flows.review
from alerts import render_ledger_html
from facts.model import ChangeKind, Fact, tracked_id
from flows import steps
from flows.config import Topic, load_baseline_facts
from flows.review import ReviewError, accept, baseline_diff, ledger, ledger_entries
from storage import ArticleRecord
from tests.flows.conftest import run_pipeline

TRADE = "figure|bilateral trade|money|target"


def test_a_reprint_is_a_source_but_not_an_independent_one(
    runtime: steps.Runtime, topic: Topic
) -> None:
    run_pipeline(runtime, topic)
    [labour] = [a for a in runtime.store.alerts(topic.name) if a.subject == "labour mobility"]
    assert len(labour.sources) == 2
    assert labour.independent_sources == 1
    [reprint] = [s for s in labour.sources if s.reprint_of]
    assert reprint.outlet == "Eastern Courier"
    assert reprint.reprint_of is not None and reprint.reprint_of.endswith(
        "summit-outcome-wire.html"
    )


def test_the_ledger_shows_baseline_then_observations(runtime: steps.Runtime, topic: Topic) -> None:
    run_pipeline(runtime, topic)
    entry = ledger(runtime.store, topic, tracked_id(topic.name, TRADE))
    assert entry.baseline is not None and entry.baseline.value == 100_000_000_000
    days = [o.fact.evidence.published for o in entry.observations]
    assert days == sorted(days) and len(days) >= 4
    assert {o.fact.value for o in entry.observations} >= {100_000_000_000, 150_000_000_000}
    by_fact = ledger(runtime.store, topic, entry.observations[0].fact.id)
    assert by_fact.key == TRADE == ledger(runtime.store, topic, TRADE).key
    with pytest.raises(ReviewError):
        ledger(runtime.store, topic, "t_000000000000")


def test_accepting_moves_the_baseline_for_later_runs(runtime: steps.Runtime, topic: Topic) -> None:
    run_pipeline(runtime, topic)
    [raised] = runtime.store.alerts(topic.name, kind=ChangeKind.FIGURE_CHANGED)
    assert any(c.key == TRADE for c in baseline_diff(runtime.store, topic))

    fact = accept(runtime.store, topic, raised, actor="analyst")
    assert fact.value == 150_000_000_000
    assert runtime.store.alert(raised.id).acknowledged  # type: ignore[union-attr]
    [change] = runtime.store.accepted_changes(topic.name, TRADE)
    assert change.previous is not None and change.previous.value == 100_000_000_000
    assert change.accepted_by == "analyst"
    [entry] = runtime.store.audit_log(topic.name)
    assert (entry.actor, entry.action, entry.target) == ("analyst", "accept", TRADE)
    diff = {(c.key, c.kind) for c in baseline_diff(runtime.store, topic)}
    assert (TRADE, ChangeKind.FIGURE_CHANGED) not in diff

    # A later article restating $150 billion now confirms the baseline; $100 billion
    # is the change.
    extracted = steps.Extracted(
        articles=tuple(
            (replace(record, url=record.url + "?later"), facts)
            for record, facts in _demo_articles(runtime, topic)
            if "trade-target-raised" in record.url or "summit-outcome-wire" in record.url
        )
    )
    comparison = steps.compare_from_store(
        runtime.store, topic, load_baseline_facts(topic), [extracted]
    )
    trade = {c.kind for c in comparison.changes if c.key == TRADE and c.observed.value}
    assert ChangeKind.CONFIRMED in trade and ChangeKind.FIGURE_CHANGED in trade
    confirmed = [c for c in comparison.changes if c.kind is ChangeKind.CONFIRMED]
    assert {c.observed.value for c in confirmed if c.key == TRADE} == {150_000_000_000}


def test_only_single_valued_changes_can_be_accepted(runtime: steps.Runtime, topic: Topic) -> None:
    run_pipeline(runtime, topic)
    [contradiction] = runtime.store.alerts(topic.name, kind=ChangeKind.CONTRADICTION)
    with pytest.raises(ReviewError, match="contradiction"):
        accept(runtime.store, topic, contradiction, actor="analyst")
    assert runtime.store.accepted_changes(topic.name) == []


def _demo_articles(
    runtime: steps.Runtime, topic: Topic
) -> list[tuple[ArticleRecord, tuple[Fact, ...]]]:
    """The demo's stored articles, rebuilt from their stored facts."""
    stored = runtime.store.facts(topic.name)
    out = []
    for url in sorted({f.evidence.url for f in stored}):
        facts = tuple(f for f in stored if f.evidence.url == url)
        ev = facts[0].evidence
        out.append((ArticleRecord(url, "title", ev.outlet, ev.published, "", "0" * 64), facts))
    return out


def test_the_ledger_page_lists_each_facts_latest_observations_and_counts_the_rest(
    runtime: steps.Runtime, topic: Topic, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_pipeline(runtime, topic)
    every = ledger(runtime.store, topic, TRADE).observations
    assert len(every) >= 4
    monkeypatch.setattr(flows.review, "LEDGER_ROWS", 2)
    [entry] = [e for e in ledger_entries(runtime.store, topic) if e.key == TRADE]
    assert [fact for fact, _ in entry.observations] == [o.fact for o in every[-2:]]
    assert entry.earlier == len(every) - 2
    page = render_ledger_html("t", [entry])
    assert f"The {len(every) - 2} earlier observations are not listed" in page
    assert page.count("<mark>") == 1 + 2  # the baseline, then the two latest
