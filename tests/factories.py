"""Hand-built facts and changes for the alerts tests: no extractor, no comparison."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from facts.model import Change, ChangeKind, Evidence, Fact, FactKind, FigureKind, Status

BASELINE_URL = "https://baseline.example/summit"


def evidence(
    url: str = "https://news.example/a",
    outlet: str = "News Example",
    published: date | None = date(2025, 12, 6),
    quote: str = "A sentence from the article.",
) -> Evidence:
    return Evidence(url=url, outlet=outlet, published=published, quote=quote, start=0, end=10)


def figure(
    value: str,
    *,
    subject: str = "bilateral trade",
    unit: str | None = "USD",
    value_max: str | None = None,
    figure_kind: FigureKind | None = FigureKind.TARGET,
    deadline: str | None = None,
    qualifier: str | None = None,
    **ev: Any,
) -> Fact:
    return Fact(
        kind=FactKind.FIGURE,
        subject=subject,
        evidence=evidence(**ev),
        value=Decimal(value),
        value_max=Decimal(value_max) if value_max is not None else None,
        unit=unit,
        qualifier=qualifier,
        figure_kind=figure_kind,
        deadline=deadline,
    )


def commitment(
    status: Status | None,
    *,
    subject: str = "labour mobility",
    deadline: str | None = None,
    negated: bool = False,
    **ev: Any,
) -> Fact:
    return Fact(
        kind=FactKind.COMMITMENT,
        subject=subject,
        evidence=evidence(**ev),
        status=status,
        deadline=deadline,
        actors=("India", "Russia"),
        negated=negated,
    )


def baseline_figure(value: str, **kw: Any) -> Fact:
    kw.setdefault("url", BASELINE_URL)
    kw.setdefault("outlet", "Baseline")
    kw.setdefault("published", date(2025, 12, 5))
    return figure(value, **kw)


def figure_change(old: str, new: str, *, relative: str | None = "auto", **kw: Any) -> Change:
    """A figure_changed Change as compare.py shapes it (strings of Decimals)."""
    base_kw = {k: v for k, v in kw.items() if k in ("subject", "unit", "figure_kind", "deadline")}
    base = baseline_figure(old, **base_kw)
    seen = figure(new, **kw)
    if relative == "auto":
        relative = str((Decimal(new) - Decimal(old)) / Decimal(old))
    return Change(
        kind=ChangeKind.FIGURE_CHANGED,
        observed=seen,
        baseline=base,
        details={"value": {"old": old, "new": new, "relative": relative}},
    )


def status_change(old: Status, new: Status, direction: str | None, **ev: Any) -> Change:
    base = commitment(old, url=BASELINE_URL, outlet="Baseline", published=date(2025, 12, 5))
    details: dict[str, Any] = {"status": {"old": old.value, "new": new.value}}
    if direction is not None:
        details["status"]["direction"] = direction
    return Change(ChangeKind.STATUS_CHANGED, commitment(new, **ev), base, details=details)


def deadline_change(old: str, new: str, direction: str | None, **ev: Any) -> Change:
    base = commitment(
        Status.AGREED, deadline=old, url=BASELINE_URL, outlet="Baseline", published=None
    )
    details: dict[str, Any] = {"deadline": {"old": old, "new": new}}
    if direction is not None:
        details["deadline"]["direction"] = direction
    seen = commitment(Status.AGREED, deadline=new, **ev)
    return Change(ChangeKind.DEADLINE_MOVED, seen, base, details=details)


def contradiction(this: Fact, other: Fact, field: str = "value") -> Change:
    def shown(fact: Fact) -> str:
        return str(fact.compared_fields()[field])

    return Change(
        kind=ChangeKind.CONTRADICTION,
        observed=this,
        other=other,
        details={"field": field, "this": shown(this), "other": shown(other)},
    )
