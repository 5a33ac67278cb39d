"""Fact dataclasses to and from their rows."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from facts.model import Evidence, Fact, FactKind, FigureKind, Status
from storage.models import FactRow


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def fact_values(
    topic: str,
    fact: Fact,
    article_id: int | None,
    run_id: int | None,
    fact_id: str | None = None,
) -> dict[str, Any]:
    """A fact's row as column values for bulk INSERTs, its JSON column as JSON text.

    fact_id: the fact's id when the caller has it already (Fact.id hashes the fact
    on every read).
    """
    ev = fact.evidence
    return {
        "id": fact.id if fact_id is None else fact_id,
        "topic": topic,
        "article_id": article_id,
        "run_id": run_id,
        "key": fact.key,
        "kind": fact.kind.value,
        "subject": fact.subject,
        "value": _dec(fact.value),
        "value_max": _dec(fact.value_max),
        "unit": fact.unit,
        "qualifier": fact.qualifier,
        "figure_kind": fact.figure_kind.value if fact.figure_kind else None,
        "deadline": fact.deadline,
        "period": fact.period,
        "status": fact.status.value if fact.status else None,
        "action": fact.action,
        "actors": json.dumps(list(fact.actors)),
        "speaker": fact.speaker,
        "negated": fact.negated,
        "url": ev.url,
        "outlet": ev.outlet,
        "published": ev.published,
        "quote": ev.quote,
        "span_start": ev.start,
        "span_end": ev.end,
    }


def fact_from_row(row: FactRow) -> Fact:
    return Fact(
        kind=FactKind(row.kind),
        subject=row.subject,
        evidence=Evidence(
            row.url, row.outlet, row.published, row.quote, row.span_start, row.span_end
        ),
        value=Decimal(row.value) if row.value is not None else None,
        value_max=Decimal(row.value_max) if row.value_max is not None else None,
        unit=row.unit,
        qualifier=row.qualifier,
        figure_kind=FigureKind(row.figure_kind) if row.figure_kind else None,
        deadline=row.deadline,
        period=row.period,
        status=Status(row.status) if row.status else None,
        action=row.action,
        actors=tuple(row.actors or ()),
        speaker=row.speaker,
        negated=row.negated,
    )
