"""Source health alerts: one when a feed goes down, one when it comes back."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts import FeedHealth, SeverityRules, source_health_alerts
from facts.model import ChangeKind, Severity

AT = datetime(2026, 1, 1, 12, tzinfo=UTC)
URL = "https://feeds.example/rss"


def _run(failures_before: int, ok: bool) -> list[ChangeKind]:
    feed = FeedHealth(URL, "wire", failures_before, ok, None if ok else f"{URL}: HTTP 503")
    alerts = source_health_alerts("t", [feed], down_after=3, rules=SeverityRules(), at=AT)
    return [a.kind for a in alerts]


def test_down_once_at_the_threshold_and_recovered_once() -> None:
    assert _run(0, ok=False) == []
    assert _run(1, ok=False) == []
    assert _run(2, ok=False) == [ChangeKind.SOURCE_DOWN]  # the third failure in a row
    assert _run(3, ok=False) == []  # still down: no repeat
    assert _run(7, ok=True) == [ChangeKind.SOURCE_RECOVERED]
    assert _run(2, ok=True) == []  # never reached "down": nothing to recover from
    assert _run(0, ok=True) == []


def test_the_alert_names_the_feed_and_its_error() -> None:
    feed = FeedHealth(URL, "wire", 2, False, f"{URL}: HTTP 503")
    [alert] = source_health_alerts("t", [feed], down_after=3, rules=SeverityRules(), at=AT)
    assert alert.severity is Severity.MEDIUM
    assert alert.source.url == URL and "HTTP 503" in alert.observed_quote
    assert "wire" in alert.summary
    later = source_health_alerts(
        "t", [feed], down_after=3, rules=SeverityRules(), at=AT.replace(day=9)
    )
    assert later[0].id != alert.id  # a second outage is a second alert
    rules = SeverityRules.from_mapping({"source_down": "high"})
    [loud] = source_health_alerts("t", [feed], down_after=3, rules=rules, at=AT)
    assert loud.severity is Severity.HIGH
