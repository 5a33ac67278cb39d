"""Alerts as JSON-ready dicts: the shape `pledgewatch alerts list --format json` prints
(documented in docs/schemas/alert.schema.json; keep it stable)."""

from __future__ import annotations

from typing import Any

from facts.model import Alert, Source


def _source(source: Source) -> dict[str, Any]:
    return {
        "fact_id": source.fact_id,
        "url": source.url,
        "outlet": source.outlet,
        "published": source.published.isoformat() if source.published else None,
        "quote": source.quote,
        "reprint_of": source.reprint_of,
    }


def alert_to_dict(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "topic": alert.topic,
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "subject": alert.subject,
        "key": alert.key,
        "summary": alert.summary,
        "baseline": {"value": alert.baseline_value, "quote": alert.baseline_quote},
        "observed": {"value": alert.observed_value, "quote": alert.observed_quote},
        "source_url": alert.source.url,
        "source": _source(alert.source),
        "corroborating": [_source(s) for s in alert.corroborating],
        "corroborating_ids": [s.fact_id for s in alert.corroborating],
        "independent_sources": alert.independent_sources,
        "acknowledged": alert.acknowledged,
    }
