"""docs/schemas/ describe what `facts export` and `alerts list` print, on the whole demo."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from alerts import SeverityRules, alert_to_dict, build_alerts, severity_for
from facts.model import (
    UNIT_DIMENSIONS,
    Change,
    ChangeKind,
    Evidence,
    Fact,
    FactKind,
    FigureKind,
    Severity,
    Status,
)
from facts.serialize import fact_to_dict
from flows import steps
from flows.config import Topic
from tests.conftest import DEMO_TOPIC, REPO

# Fixtures of the demo pipeline, shared with test_steps (pytest finds them by name here).
from tests.flows.conftest import run_pipeline

SCHEMAS = REPO / "docs" / "schemas"


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return schema


def _validator(name: str) -> Draft202012Validator:
    schema = _schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


FACTS = _validator("fact.schema.json")
ALERTS = _validator("alert.schema.json")


def _as_printed(obj: dict[str, Any]) -> Any:
    """The object as the CLI prints it: through json.dumps and back."""
    return json.loads(json.dumps(obj, ensure_ascii=False))


def _problems(validator: Draft202012Validator, objects: list[Any]) -> list[str]:
    return [
        f"{obj.get('id')}: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for obj in objects
        for e in validator.iter_errors(obj)
    ]


def test_demo_facts_and_alerts_match_the_schemas(runtime: steps.Runtime, topic: Topic) -> None:
    run_pipeline(runtime, topic)
    facts = [_as_printed(fact_to_dict(f)) for f in runtime.store.facts()]
    alerts = [_as_printed(alert_to_dict(a)) for a in runtime.store.alerts()]

    assert {f["kind"] for f in facts} == {k.value for k in FactKind}
    assert _problems(FACTS, facts) == []
    # The demo's feed never fails (its March 2026 depot deadline has passed).
    source_kinds = {"source_down", "source_recovered"}
    assert {a["kind"] for a in alerts} == {k.value for k in ChangeKind} - {
        "confirmed"
    } - source_kinds
    assert _problems(ALERTS, alerts) == []

    # "$100 billion" is the integer 100000000000, not 1e11 or a string.
    trade = [f for f in facts if f["key"] == "figure|bilateral trade|money|target"]
    assert 100_000_000_000 in {f["value"] for f in trade}
    assert all(type(f["value"]) is int for f in trade)
    # Every source of every alert names a fact that `facts export` prints.
    ids = {f["id"] for f in facts}
    for alert in alerts:
        assert {s["fact_id"] for s in [alert["source"], *alert["corroborating"]]} <= ids
        assert alert["corroborating_ids"] == [s["fact_id"] for s in alert["corroborating"]]
        assert alert["source_url"] == alert["source"]["url"]


def test_the_checked_in_baseline_facts_match_the_fact_schema() -> None:
    data = json.loads((DEMO_TOPIC / "baseline.facts.json").read_text(encoding="utf-8"))
    assert data
    assert _problems(FACTS, data) == []


# -- hand-made objects, so the rejections below start from a known valid one ---------


def _fact(value: str, deadline: str, url: str, published: date) -> Fact:
    quote = f"Trade is to reach ${value} by {deadline}."
    return Fact(
        kind=FactKind.FIGURE,
        subject="bilateral trade",
        evidence=Evidence(url, "Outlet", published, quote, 0, len(quote)),
        value=Decimal(value),
        unit="USD",
        figure_kind=FigureKind.TARGET,
        deadline=deadline,
    )


def _valid_fact() -> dict[str, Any]:
    return _as_printed(fact_to_dict(_fact("1E+11", "2030", "baseline:x", date(2025, 12, 4))))


def _valid_alert() -> dict[str, Any]:
    base = _fact("1E+11", "2030", "baseline:x", date(2025, 12, 4))
    seen = _fact("1.5E+11", "2030", "https://example.org/a", date(2025, 12, 15))
    change = Change(ChangeKind.FIGURE_CHANGED, seen, baseline=base)
    [alert] = build_alerts("demo-topic", [change], SeverityRules())
    return _as_printed(alert_to_dict(alert))


def test_the_hand_made_objects_are_valid() -> None:
    assert _problems(FACTS, [_valid_fact()]) == []
    assert _problems(ALERTS, [_valid_alert()]) == []
    assert _valid_fact()["value"] == 100_000_000_000


def _set(path: str, value: Any) -> Any:
    def edit(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for part in parents:
            obj = obj[part]
        obj[last] = value

    return edit


def _drop(path: str) -> Any:
    def edit(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for part in parents:
            obj = obj[part]
        del obj[last]

    return edit


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (_set("extra", 1), "an unknown key"),
        (_set("evidence.extra", 1), "an unknown key in evidence"),
        (_drop("speaker"), "a missing key"),
        (_drop("evidence.quote"), "a missing key in evidence"),
        (_set("kind", "claim"), "a kind that is not a FactKind"),
        (_set("status", "rumoured"), "a status that is not a Status"),
        (_set("figure_kind", "estimate"), "a figure_kind that is not a FigureKind"),
        (_set("value", "100000000000"), "a value written as a string"),
        (_set("unit", 5), "a unit that is not a string"),
        (_set("deadline", "end of 2030"), "a deadline that is not an ISO prefix"),
        (_set("evidence.published", "2025-13-40"), "a published date that is no date"),
        (_set("actors", None), "actors as null instead of a list"),
        (_set("id", "a_0123456789abcdef"), "an alert id as a fact id"),
    ],
)
def test_the_fact_schema_rejects(edit: Any, why: str) -> None:
    broken = copy.deepcopy(_valid_fact())
    edit(broken)
    assert _problems(FACTS, [broken]), why


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (_set("extra", 1), "an unknown key"),
        (_set("source.extra", 1), "an unknown key in a source"),
        (_drop("acknowledged"), "a missing key"),
        (_drop("baseline.quote"), "a missing key in baseline"),
        (_set("kind", "confirmed"), "a confirmation, which is never alerted"),
        (_set("kind", "value_changed"), "a kind that is not a ChangeKind"),
        (_set("severity", "urgent"), "a severity that is not a Severity"),
        (_set("observed.value", None), "an observation without a value"),
        (_set("source.published", "5 December 2025"), "a published date that is no date"),
        (_set("corroborating", [{"url": "https://example.org/b"}]), "a partial source"),
    ],
)
def test_the_alert_schema_rejects(edit: Any, why: str) -> None:
    broken = copy.deepcopy(_valid_alert())
    edit(broken)
    assert _problems(ALERTS, [broken]), why


# -- the schemas cannot drift from the code ------------------------------------------


def _enum(schema: dict[str, Any], *path: str) -> tuple[set[Any], bool]:
    """(the non-null values of an enum, whether null is allowed) at path."""
    node = schema
    for part in path:
        node = node[part]
    values = set(node["enum"])
    types = node["type"] if isinstance(node["type"], list) else [node["type"]]
    assert (None in values) == ("null" in types), path
    return values - {None}, None in values


def test_the_fact_schema_enums_are_the_code_enums() -> None:
    schema = _schema("fact.schema.json")
    assert _enum(schema, "properties", "kind") == ({k.value for k in FactKind}, False)
    assert _enum(schema, "properties", "status") == ({s.value for s in Status}, True)
    assert _enum(schema, "properties", "figure_kind") == ({k.value for k in FigureKind}, True)
    unit_doc = schema["properties"]["unit"]["description"]
    assert [u for u in UNIT_DIMENSIONS if u not in unit_doc] == []


def test_the_alert_schema_enums_are_the_code_enums() -> None:
    schema = _schema("alert.schema.json")
    assert _enum(schema, "properties", "severity") == ({s.value for s in Severity}, False)
    # The kinds that get a severity are exactly the kinds an alert can have.
    fact = _fact("1E+11", "2030", "https://example.org/a", date(2025, 12, 5))
    alerted = {
        kind.value
        for kind in ChangeKind
        if severity_for(Change(kind, fact, baseline=fact), SeverityRules()) is not None
    }
    assert alerted == {k.value for k in ChangeKind} - {ChangeKind.CONFIRMED.value}
    assert _enum(schema, "properties", "kind") == (alerted, False)


@pytest.mark.parametrize(
    ("name", "sample"),
    [("fact.schema.json", _valid_fact), ("alert.schema.json", _valid_alert)],
)
def test_every_emitted_key_is_listed_and_required(name: str, sample: Any) -> None:
    schema = _schema(name)
    emitted = sample()

    def check(node: dict[str, Any], obj: dict[str, Any], where: str) -> None:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node
        assert node["additionalProperties"] is False, where
        assert set(node["required"]) == set(node["properties"]) == set(obj), where
        for key, value in obj.items():
            if isinstance(value, dict):
                check(node["properties"][key], value, f"{where}.{key}")

    check(schema, emitted, name)
