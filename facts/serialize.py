"""Facts to and from plain JSON-ready dicts: the exported shape, also used by
baseline.facts.json. Values are JSON numbers: integral values as integers so
"$100 billion" exports as 100000000000."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from facts.model import Evidence, Fact, FactKind, FigureKind, Status


def decimal_to_json(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    ev = fact.evidence
    return {
        "id": fact.id,
        "key": fact.key,
        "kind": fact.kind.value,
        "subject": fact.subject,
        "value": decimal_to_json(fact.value),
        "value_max": decimal_to_json(fact.value_max),
        "unit": fact.unit,
        "qualifier": fact.qualifier,
        "figure_kind": fact.figure_kind.value if fact.figure_kind else None,
        "period": fact.period,
        "deadline": fact.deadline,
        "status": fact.status.value if fact.status else None,
        "action": fact.action,
        "actors": list(fact.actors),
        "speaker": fact.speaker,
        "negated": fact.negated,
        "evidence": {
            "url": ev.url,
            "outlet": ev.outlet,
            "published": ev.published.isoformat() if ev.published else None,
            "quote": ev.quote,
            "start": ev.start,
            "end": ev.end,
        },
    }


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    # str() first: Decimal(0.1) would carry the float's binary error.
    return Decimal(str(value))


class FactFormatError(ValueError):
    """A stored or checked-in fact does not have the expected shape."""


def fact_from_dict(data: Mapping[str, Any]) -> Fact:
    try:
        ev = data["evidence"]
        published = ev.get("published")
        return Fact(
            kind=FactKind(data["kind"]),
            subject=data["subject"],
            evidence=Evidence(
                url=ev["url"],
                outlet=ev["outlet"],
                published=date.fromisoformat(published) if published else None,
                quote=ev["quote"],
                start=int(ev["start"]),
                end=int(ev["end"]),
            ),
            value=_decimal(data.get("value")),
            value_max=_decimal(data.get("value_max")),
            unit=data.get("unit"),
            qualifier=data.get("qualifier"),
            figure_kind=FigureKind(data["figure_kind"]) if data.get("figure_kind") else None,
            deadline=data.get("deadline"),
            period=data.get("period"),
            status=Status(data["status"]) if data.get("status") else None,
            action=data.get("action"),
            actors=tuple(data.get("actors") or ()),
            speaker=data.get("speaker"),
            negated=bool(data.get("negated", False)),
        )
    # AttributeError: "evidence" that is not a mapping; InvalidOperation (not a
    # ValueError): a value that is not a number.
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as exc:
        raise FactFormatError(f"bad fact {data.get('id', '?')!r}: {exc!r}") from exc
