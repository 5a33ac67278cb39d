"""Change-detection scenarios written as data: tests/data/scenarios/*.json.

Each file gives a baseline article and a sequence of runs ("steps"), each with the
articles it reads and the alerts it must raise. The runner extracts facts from the
texts as the monitor does (no HTTP, no Prefect), then takes the monitor's own path:
the store's accepted changes, prior observations and fingerprints, compare_with_baseline
(with today = the step's run_date), run_result and Store.save_run, on a fresh SQLite
database per scenario. The baseline text is extracted as `pledgewatch baseline extract`
does and written to a scratch topic folder, so flows.review.accept (which reads the
checked-in baseline) sees the scenario's. Each scenario runs twice, on two databases,
and must raise the same alerts with the same sources both times.

A scenario file::

    {
      "description": "...",
      "topic": "seeds/india-russia-summit",       # whose vocabulary is used
      "baseline": {"published": "2025-12-04", "text": "..."},
      "steps": [
        {
          "run_date": "2025-12-10",
          "articles": [{"url", "outlet", "published", "title", "text"}],
          "expect": [{"kind", "subject", "severity"?, "sources"?, "independent_sources"?,
                      "acknowledged"?, "key"?, "observed"?}],
          "expect_confirmed": [{"subject", "key"?}],                    # optional
          "actions": [{"ack": {"kind", "subject", ...}} | {"accept": {...}}],  # optional
          "expect_baseline": [{"subject", "value" | "status", "deadline"?, "key"?}],
          "known_issue": "..."                                          # optional
        }
      ]
    }

"expect" lists exactly the alerts that are new in the step or gained sources in it,
matched by kind and subject and any optional field given ("sources" and
"independent_sources" count all the alert's sources after the step, "key" is the
tracked fact's key, "observed" a substring of the alert's observed value).
"expect_confirmed" lists confirmations the step must record (a confirmation raises
no alert). Actions run after the checks; "expect_baseline" is checked after them
against the baseline in force (the scenario's baseline with accepted changes).

A step marked "known_issue" documents a product bug: the test xfails while the step
fails, and fails once it passes (remove the mark then).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facts.compare import UNKNOWN_SUBJECT, with_accepted
from facts.extract import extract_facts, first_per_key
from facts.model import Alert, ChangeKind, Fact, FactKind, Severity
from facts.serialize import fact_to_dict
from facts.syndication import simhash
from flows import steps
from flows.config import Topic, load_baseline_facts, load_topic
from flows.review import accept
from storage import ArticleRecord, Store, make_engine, migrate
from tests.conftest import REPO

SCENARIOS = REPO / "tests" / "data" / "scenarios"
FILES = sorted(SCENARIOS.glob("*.json"))
ACTOR = "scenario-runner"

_TOP_KEYS = {"description", "topic", "baseline"}
_STEP_KEYS = {
    "run_date",
    "articles",
    "expect",
    "expect_confirmed",
    "actions",
    "expect_baseline",
    "known_issue",
}
_ARTICLE_KEYS = {"url", "outlet", "published", "title", "text"}
_EXPECT_KEYS = {
    "kind",
    "subject",
    "severity",
    "sources",
    "independent_sources",
    "acknowledged",
    "key",
    "observed",
}
_SELECT_KEYS = {"kind", "subject", "key", "observed"}
_BASELINE_KEYS = {"subject", "value", "status", "deadline", "key"}


# -- the format -----------------------------------------------------------------


def _check_keys(where: str, item: Mapping[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = sorted(set(item) - allowed)
    missing = sorted(required - set(item))
    assert not unknown, f"{where}: unknown key(s) {unknown}"
    assert not missing, f"{where}: missing key(s) {missing}"


def load_scenario(path: Path) -> dict[str, Any]:
    """The scenario in ``path``, its keys and values checked so a typo fails loudly."""
    data = json.loads(path.read_text(encoding="utf-8"))
    _check_keys(path.name, data, _TOP_KEYS | {"steps"}, _TOP_KEYS | {"steps"})
    _check_keys(f"{path.name}: baseline", data["baseline"], {"published", "text"}, set())
    date.fromisoformat(data["baseline"]["published"])
    urls: set[str] = set()
    for i, step in enumerate(data["steps"], 1):
        where = f"{path.name}: step {i}"
        _check_keys(where, step, _STEP_KEYS, {"run_date", "articles", "expect"})
        date.fromisoformat(step["run_date"])
        for article in step["articles"]:
            _check_keys(f"{where}: article", article, _ARTICLE_KEYS, _ARTICLE_KEYS)
            date.fromisoformat(article["published"])
            assert article["url"] not in urls, f"{where}: {article['url']} is read twice"
            urls.add(article["url"])
        for expected in step["expect"]:
            _check_keys(f"{where}: expect", expected, _EXPECT_KEYS, {"kind", "subject"})
            ChangeKind(expected["kind"])
            if "severity" in expected:
                Severity(expected["severity"])
        for confirmed in step.get("expect_confirmed", []):
            _check_keys(f"{where}: expect_confirmed", confirmed, {"subject", "key"}, {"subject"})
        for action in step.get("actions", []):
            assert len(action) == 1 and next(iter(action)) in ("ack", "accept"), (
                f"{where}: an action is {{'ack': ...}} or {{'accept': ...}}, not {action}"
            )
            select = next(iter(action.values()))
            _check_keys(f"{where}: action", select, _SELECT_KEYS, {"kind", "subject"})
        for expected in step.get("expect_baseline", []):
            _check_keys(f"{where}: expect_baseline", expected, _BASELINE_KEYS, {"subject"})
            assert ("value" in expected) != ("status" in expected), (
                f"{where}: expect_baseline gives a value or a status: {expected}"
            )
    return data


# -- running one scenario ---------------------------------------------------------


def scenario_topic(scenario: Mapping[str, Any], folder: Path) -> Topic:
    """The scenario's topic, with its baseline extracted from the scenario's text and
    written where load_baseline_facts (and so flows.review.accept) reads it."""
    topic = load_topic(REPO / scenario["topic"])
    published = date.fromisoformat(scenario["baseline"]["published"])
    facts = extract_facts(
        scenario["baseline"]["text"],
        url="baseline:scenario",
        outlet="baseline",
        published=published,
        vocabulary=topic.vocabulary,
    )
    # As `pledgewatch baseline extract` keeps them.
    kept = [f for f in first_per_key(facts) if f.subject != UNKNOWN_SUBJECT]
    folder.mkdir(parents=True)
    payload = json.dumps([fact_to_dict(f) for f in kept], indent=2, ensure_ascii=False)
    (folder / topic.config.baseline.facts).write_text(payload + "\n", encoding="utf-8")
    return replace(topic, directory=folder)


def extracted_batch(topic: Topic, articles: Sequence[Mapping[str, Any]]) -> steps.Extracted:
    """The articles as extract_pages would hand them on, without fetching a page."""
    out = []
    for article in articles:
        text = article["text"]
        published = date.fromisoformat(article["published"])
        record = ArticleRecord(
            url=article["url"],
            title=article["title"],
            outlet=article["outlet"],
            published=published,
            text=text,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            simhash=simhash(text),
        )
        facts = extract_facts(
            text,
            url=record.url,
            outlet=record.outlet,
            published=published,
            vocabulary=topic.vocabulary,
        )
        out.append((record, tuple(facts)))
    return steps.Extracted(tuple(out))


def compare_on(
    store: Store, topic: Topic, extracted: Sequence[steps.Extracted], today: date
) -> steps.Comparison:
    """steps.compare_from_store, with the step's run date as today."""
    return steps.compare_from_store(
        store, topic, load_baseline_facts(topic), extracted, today=today
    )


@dataclass
class Run:
    """What a scenario did: per step, the alerts it raised or added sources to (id, source
    URLs with the URL each reprints), and what the step's checks found wrong."""

    trace: list[list[tuple[str, tuple[tuple[str, str | None], ...]]]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)


def run_scenario(scenario: Mapping[str, Any], folder: Path) -> Run:
    topic = scenario_topic(scenario, folder)
    engine = make_engine(f"sqlite:///{folder / 'pledgewatch.db'}")
    migrate(engine)
    store = Store(engine)
    run = Run()
    try:
        for step in scenario["steps"]:
            run.failures.append(_run_step(store, topic, step, run))
    finally:
        engine.dispose()
    return run


def _run_step(store: Store, topic: Topic, step: Mapping[str, Any], run: Run) -> list[str]:
    before = {a.id: len(a.sources) for a in store.alerts(topic.name)}
    run_id = store.start_run(topic.name)
    extracted = [extracted_batch(topic, step["articles"])]
    try:
        comparison = compare_on(store, topic, extracted, date.fromisoformat(step["run_date"]))
        store.save_run(steps.run_result(run_id, topic, (), extracted, comparison))
    except Exception as exc:  # as the monitor flow does: the run fails, the next one may start
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        store.fail_run(run_id, message)
        run.trace.append([("run failed", ())])
        return [f"the run failed: {message}"]
    order = {a.id: i for i, a in enumerate(comparison.alerts)}
    fresh = [a for a in store.alerts(topic.name) if len(a.sources) > before.get(a.id, 0)]
    fresh.sort(key=lambda a: order.get(a.id, len(order)))
    run.trace.append([(a.id, tuple((s.url, s.reprint_of) for s in a.sources)) for a in fresh])

    failures = _check_alerts(step["expect"], fresh)
    confirmed = [c for c in comparison.changes if c.kind is ChangeKind.CONFIRMED]
    for expected in step.get("expect_confirmed", []):
        if not any(_same_fact(expected, c.subject, c.key) for c in confirmed):
            seen = sorted({c.key for c in confirmed})
            failures.append(f"no confirmation of {expected}; confirmed: {seen}")
    for action in step.get("actions", []):
        failures.extend(_act(store, topic, action))
    for expected in step.get("expect_baseline", []):
        failures.extend(_check_baseline(store, topic, expected))
    return failures


# -- checks -----------------------------------------------------------------------


def _same_fact(expected: Mapping[str, Any], subject: str, key: str) -> bool:
    return expected["subject"] == subject and expected.get("key", key) == key


def _matches(expected: Mapping[str, Any], alert: Alert) -> bool:
    if expected["kind"] != alert.kind.value or not _same_fact(expected, alert.subject, alert.key):
        return False
    if "observed" in expected and expected["observed"] not in alert.observed_value:
        return False
    actual = {
        "severity": alert.severity.value,
        "sources": len(alert.sources),
        "independent_sources": alert.independent_sources,
        "acknowledged": alert.acknowledged,
    }
    return all(expected.get(name, value) == value for name, value in actual.items())


def _pairing(expected: Sequence[Mapping[str, Any]], alerts: Sequence[Alert]) -> bool:
    """Whether each expectation can take its own alert (a small exact search)."""
    if not expected:
        return True
    first, rest = expected[0], expected[1:]
    return any(
        _matches(first, alert) and _pairing(rest, [*alerts[:i], *alerts[i + 1 :]])
        for i, alert in enumerate(alerts)
    )


def describe(alert: Alert) -> str:
    return (
        f"{alert.kind.value} {alert.subject!r} {alert.severity.value} "
        f"sources={len(alert.sources)} independent={alert.independent_sources} "
        f"ack={alert.acknowledged} key={alert.key!r}: {alert.summary}"
    )


def _check_alerts(expected: Sequence[Mapping[str, Any]], fresh: Sequence[Alert]) -> list[str]:
    if len(expected) == len(fresh) and _pairing(expected, fresh):
        return []
    wanted = "\n".join(f"    {e}" for e in expected) or "    (none)"
    got = "\n".join(f"    {describe(a)}" for a in fresh) or "    (none)"
    return [f"alerts differ from expect:\n  expected:\n{wanted}\n  new or updated:\n{got}"]


def _select(store: Store, topic: Topic, select: Mapping[str, Any]) -> Alert | str:
    found = [a for a in store.alerts(topic.name) if _matches(select, a)]
    if len(found) != 1:
        return f"{len(found)} alerts match {select}, not one"
    return found[0]


def _act(store: Store, topic: Topic, action: Mapping[str, Any]) -> list[str]:
    [(verb, select)] = action.items()
    alert = _select(store, topic, select)
    if isinstance(alert, str):
        return [f"{verb}: {alert}"]
    if verb == "ack":
        assert store.acknowledge(alert.id, actor=ACTOR)
        return []
    before = _in_force(store, topic)
    fact = accept(store, topic, alert, actor=ACTOR)
    *_, change = store.accepted_changes(topic.name, alert.key)
    previous = next((f for f in before if f.key == alert.key), None)
    failures = []
    if (fact.key, change.fact, change.alert_id) != (alert.key, fact, alert.id):
        failures.append(f"accept {alert.id}: recorded {change}")
    if change.previous != previous:
        failures.append(f"accept {alert.id}: previous {change.previous}, not {previous}")
    stored = store.alert(alert.id)
    if stored is None or not stored.acknowledged:
        failures.append(f"accept {alert.id}: the alert is not acknowledged")
    return failures


def _in_force(store: Store, topic: Topic) -> list[Fact]:
    """The baseline in force: the scenario's, with the accepted changes in their place."""
    accepted = [change.fact for change in store.accepted_changes(topic.name)]
    return with_accepted(load_baseline_facts(topic), accepted)


def _check_baseline(store: Store, topic: Topic, expected: Mapping[str, Any]) -> list[str]:
    in_force = _in_force(store, topic)
    kind = FactKind.FIGURE if "value" in expected else FactKind.COMMITMENT
    found = [f for f in in_force if f.kind is kind and _same_fact(expected, f.subject, f.key)]
    if len(found) != 1:
        return [f"baseline: {len(found)} facts match {expected}: {[f.key for f in found]}"]
    fact = found[0]
    actual: dict[str, Any] = {"deadline": fact.deadline}
    if kind is FactKind.FIGURE:
        actual["value"] = fact.value
        want = {**expected, "value": Decimal(str(expected["value"]))}
    else:
        actual["status"] = fact.status.value if fact.status else None
        want = dict(expected)
    wrong = {k: v for k, v in actual.items() if k in want and want[k] != v}
    return [f"baseline {fact.key}: expected {want}, found {wrong}"] if wrong else []


# -- the tests --------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_scenario(path: Path, tmp_path: Path) -> None:
    scenario = load_scenario(path)
    first = run_scenario(scenario, tmp_path / "first")
    again = run_scenario(scenario, tmp_path / "again")
    assert again.trace == first.trace, "the same scenario raised different alerts"

    report, known = [], []
    for number, (step, failures) in enumerate(
        zip(scenario["steps"], first.failures, strict=True), 1
    ):
        issue = step.get("known_issue")
        if issue and not failures:
            report.append(f"step {number} passes: remove its known_issue ({issue})")
        elif issue:
            known.append(f"step {number}: {issue}")
        report.extend(f"step {number} ({step['run_date']}): {f}" for f in failures if not issue)
    assert not report, f"{path.name}:\n" + "\n".join(report)
    if known:
        pytest.xfail("; ".join(known))


def test_the_scenarios_cover_every_change_kind_about_facts() -> None:
    """Counting only steps that pass: a known issue covers nothing."""
    passing = [
        step for path in FILES for step in load_scenario(path)["steps"] if "known_issue" not in step
    ]
    kinds = {expected["kind"] for step in passing for expected in step["expect"]}
    about_facts = set(ChangeKind) - {
        ChangeKind.CONFIRMED,
        ChangeKind.SOURCE_DOWN,
        ChangeKind.SOURCE_RECOVERED,
    }
    assert about_facts <= kinds, f"no scenario expects {sorted(about_facts - kinds)}"
    assert any(step.get("expect_confirmed") for step in passing)
    actions = {verb for step in passing for action in step.get("actions", []) for verb in action}
    assert actions == {"ack", "accept"}
