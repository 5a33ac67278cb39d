"""Alerts about sources: a feed that failed N runs in a row is down (one alert), and
one alert again when it answers. Pure: the caller says what each feed did."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.rules import SeverityRules
from facts.model import Alert, ChangeKind, Source


@dataclass(frozen=True)
class FeedHealth:
    """One feed in one run: its failures in a row before the run, and this run's result."""

    url: str
    name: str
    failures_before: int
    ok: bool
    error: str | None = None


def _alert(
    topic: str, feed: FeedHealth, kind: ChangeKind, summary: str, quote: str,
    rules: SeverityRules, at: datetime,
) -> Alert:  # fmt: skip
    # Each episode gets its own id: the same feed going down twice is two alerts.
    raw = f"{topic}|{kind.value}|{feed.url}|{at.isoformat()}"
    alert_id = "a_" + hashlib.sha256(raw.encode()).hexdigest()[:16]
    severity = rules.source_down if kind is ChangeKind.SOURCE_DOWN else rules.source_recovered
    return Alert(
        id=alert_id,
        topic=topic,
        kind=kind,
        severity=severity,
        subject=f"source {feed.name}",
        key=f"source|{feed.url}",
        summary=summary,
        baseline_value=None,
        baseline_quote=None,
        observed_value="down" if kind is ChangeKind.SOURCE_DOWN else "recovered",
        observed_quote=quote,
        source=Source(feed.url, feed.name, at.date(), quote, fact_id=""),
    )


def source_health_alerts(
    topic: str,
    feeds: Sequence[FeedHealth],
    *,
    down_after: int,
    rules: SeverityRules,
    at: datetime,
) -> list[Alert]:
    """A down alert when a feed's run of failures reaches ``down_after``; a recovered
    alert when a feed that was down answers again. Nothing in between."""
    alerts: list[Alert] = []
    for feed in feeds:
        if not feed.ok and feed.failures_before + 1 == down_after:
            summary = f"Source down: {feed.name} failed {down_after} runs in a row"
            quote = feed.error or "no error message"
            alerts.append(_alert(topic, feed, ChangeKind.SOURCE_DOWN, summary, quote, rules, at))
        elif feed.ok and feed.failures_before >= down_after:
            summary = f"Source recovered: {feed.name} answers again"
            quote = f"fetched after {feed.failures_before} failed runs"
            alerts.append(
                _alert(topic, feed, ChangeKind.SOURCE_RECOVERED, summary, quote, rules, at)
            )
    return alerts
