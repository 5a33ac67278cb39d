"""Facts to and from JSON-ready dicts: exact Decimals, stable ids, checked shape."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from facts.model import Fact, Status
from facts.serialize import FactFormatError, decimal_to_json, fact_from_dict, fact_to_dict
from tests.facts.helpers import commitment, extract, figure


def _through_json(fact: Fact) -> Fact:
    return fact_from_dict(json.loads(json.dumps(fact_to_dict(fact))))


@pytest.mark.parametrize("value", ["41.3", "1E+11", "100000000000", "0.25", "17.5", "3"])
def test_figure_round_trip_is_exact(value: str) -> None:
    fact = figure(value, value_max=None, deadline="2030")
    restored = _through_json(fact)
    assert restored == fact
    # Exact, not through a binary float: 41.3 is not 41.29999999999999715782905696.
    assert restored.value == Decimal(value)


def test_export_shape_of_a_figure() -> None:
    data = fact_to_dict(figure("1E+11", value_max="1.5E+11", deadline="2030"))
    assert data["value"] == 100000000000
    assert isinstance(data["value"], int)
    assert data["value_max"] == 150000000000
    assert (data["kind"], data["unit"], data["figure_kind"], data["deadline"]) == (
        "figure",
        "USD",
        "target",
        "2030",
    )
    assert data["evidence"]["published"] == "2025-12-06"
    assert json.loads(json.dumps(data)) == data


def test_commitment_round_trip() -> None:
    fact = commitment(Status.DENIED, actors=("Russia", "India"), deadline="2027-03", published=None)
    restored = _through_json(fact)
    assert restored == fact
    assert restored.actors == ("Russia", "India")
    assert restored.evidence.published is None


def test_extracted_facts_round_trip_with_their_ids() -> None:
    text = (
        "Bilateral trade reached US$ 41.3 bn in FY25. The two sides aim to raise "
        "bilateral trade to $100 billion by 2030, the minister said. "
        "Russia denied it had postponed labour mobility."
    )
    facts = extract(text)
    assert len(facts) == 4
    for fact in facts:
        data = fact_to_dict(fact)
        restored = fact_from_dict(json.loads(json.dumps(data)))
        assert restored == fact
        assert restored.id == fact.id == data["id"]
        assert restored.key == data["key"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (Decimal("1E+11"), 100000000000), (Decimal("41.3"), 41.3), (Decimal(0), 0)],
)
def test_decimal_to_json(value: Decimal | None, expected: float | None) -> None:
    assert decimal_to_json(value) == expected
    assert type(decimal_to_json(value)) is type(expected)


def _good() -> dict[str, Any]:
    return fact_to_dict(figure("41.3"))


def _without(key: str) -> dict[str, Any]:
    data = _good()
    del data[key]
    return data


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = _good()
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({}, id="empty"),
        pytest.param(_without("kind"), id="no-kind"),
        pytest.param(_without("subject"), id="no-subject"),
        pytest.param(_without("evidence"), id="no-evidence"),
        pytest.param(_with(("kind",), "opinion"), id="unknown-kind"),
        pytest.param(_with(("status",), "maybe"), id="unknown-status"),
        pytest.param(_with(("figure_kind",), "guess"), id="unknown-figure-kind"),
        pytest.param(_with(("value",), "lots"), id="value-not-a-number"),
        pytest.param(_with(("evidence",), "https://x"), id="evidence-not-a-mapping"),
        pytest.param(_with(("evidence",), None), id="evidence-null"),
        pytest.param(_with(("evidence", "start"), "x"), id="start-not-an-int"),
        pytest.param(_with(("evidence", "published"), "6 Dec"), id="bad-date"),
        pytest.param(_with(("evidence", "published"), 20251206), id="date-not-a-string"),
    ],
)
def test_a_bad_dict_raises_fact_format_error(data: dict[str, Any]) -> None:
    with pytest.raises(FactFormatError):
        fact_from_dict(data)


def test_fact_format_error_names_the_fact() -> None:
    data = _with(("kind",), "opinion")
    with pytest.raises(FactFormatError, match=data["id"]):
        fact_from_dict(data)
    assert issubclass(FactFormatError, ValueError)


def test_optional_fields_may_be_missing() -> None:
    evidence: dict[str, Any] = {"url": "u", "outlet": "o", "quote": "q", "start": 0, "end": 1}
    minimal: dict[str, Any] = {
        "kind": "commitment",
        "subject": "labour mobility",
        "evidence": evidence,
    }
    fact = fact_from_dict(minimal)
    assert (fact.status, fact.value, fact.actors, fact.negated) == (None, None, (), False)
    assert fact.evidence.published is None
    assert fact_from_dict({**minimal, "status": "signed"}).status is Status.SIGNED
    assert fact_from_dict(
        {**minimal, "evidence": {**evidence, "published": "2025-12-06"}}
    ).evidence.published == date(2025, 12, 6)
