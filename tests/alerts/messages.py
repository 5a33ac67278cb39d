"""Hand-built alerts for the message and channel tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from facts.model import Alert, ChangeKind, Severity, Source

BASELINE_QUOTE = "The two sides set a target of $100 billion in bilateral trade by 2030."
OBSERVED_QUOTE = "Leaders raised the bilateral trade target to $150 billion by 2030."


def source(n: int = 1, **kw: Any) -> Source:
    fields: dict[str, Any] = {
        "url": f"https://news.example/articles/{n}",
        "outlet": f"Outlet {n}",
        "published": date(2025, 12, 5 + n),
        "quote": OBSERVED_QUOTE,
        "fact_id": f"f_{n:016d}",
    }
    fields.update(kw)
    return Source(**fields)


def alert(**kw: Any) -> Alert:
    fields: dict[str, Any] = {
        "id": "a_0123456789abcdef",
        "topic": "india-russia-summit",
        "kind": ChangeKind.FIGURE_CHANGED,
        "severity": Severity.HIGH,
        "subject": "bilateral trade",
        "key": "figure|bilateral trade|money|target",
        "summary": "bilateral trade (target): $100 billion by 2030 → $150 billion by 2030",
        "baseline_value": "$100 billion by 2030",
        "baseline_quote": BASELINE_QUOTE,
        "observed_value": "$150 billion by 2030",
        "observed_quote": OBSERVED_QUOTE,
        "source": source(1),
        "corroborating": (source(2, outlet="Eastern Courier"),),
    }
    fields.update(kw)
    return Alert(**fields)


def three_alerts() -> list[Alert]:
    first = alert()
    second = replace(
        first,
        id="a_status000000000",
        kind=ChangeKind.STATUS_CHANGED,
        severity=Severity.MEDIUM,
        subject="labour mobility",
        key="commitment|labour mobility",
        summary="labour mobility: expected → signed",
        baseline_value="expected",
        baseline_quote="Modi and Putin are expected to address labour mobility.",
        observed_value="signed",
        observed_quote="The two governments signed an agreement on labour mobility.",
        corroborating=(),
    )
    third = replace(
        first,
        id="a_newfigure000000",
        kind=ChangeKind.NEW_FIGURE,
        severity=Severity.LOW,
        subject="Indian exports to Russia",
        key="figure|Indian exports to Russia|money|actual",
        summary="Indian exports to Russia: $5.2 billion",
        baseline_value=None,
        baseline_quote=None,
        observed_value="$5.2 billion",
        observed_quote="Indian exports to Russia reached $5.2 billion.",
        corroborating=(),
    )
    return [first, second, third]
