"""Review: the fact ledger, accepted baseline changes, and the audit log.

The checked-in baseline.facts.json stays the origin; an accepted change is stored
here and overrides that key's baseline fact from then on, the old value kept in
its history with who accepted it and when. Every review action is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from facts.model import Fact
from facts.serialize import fact_from_dict, fact_to_dict
from storage.convert import fact_from_row
from storage.models import AlertRow, ArticleRow, AuditRow, BaselineChangeRow, FactRow


@dataclass(frozen=True)
class AcceptedChange:
    key: str
    fact: Fact
    previous: Fact | None
    alert_id: str | None
    accepted_by: str
    accepted_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    topic: str | None
    target: str
    details: dict[str, Any]


@dataclass(frozen=True)
class Observation:
    """One stored observation of a tracked fact, for its ledger."""

    fact: Fact
    reprint_of: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def _audit(
    session: Session, actor: str, action: str, topic: str | None, target: str, **details: Any
) -> None:
    session.add(
        AuditRow(at=_now(), actor=actor, action=action, topic=topic, target=target, details=details)
    )


class ReviewMixin:
    engine: Engine

    def acknowledge(self, alert_id: str, *, actor: str = "unknown") -> bool:
        """Mark an alert reviewed; False when there is no such alert."""
        with Session(self.engine) as session, session.begin():
            row = session.get(AlertRow, alert_id)
            if row is None:
                return False
            if row.acknowledged_at is None:
                row.acknowledged_at = _now()
                _audit(session, actor, "ack", row.topic, alert_id)
            return True

    def accept(
        self, topic: str, fact: Fact, *, previous: Fact | None, alert_id: str | None, actor: str
    ) -> None:
        """Make ``fact`` the baseline of its key; acknowledges the alert it came from."""
        with Session(self.engine) as session, session.begin():
            session.add(
                BaselineChangeRow(
                    topic=topic,
                    key=fact.key,
                    fact=fact_to_dict(fact),
                    previous=fact_to_dict(previous) if previous else None,
                    alert_id=alert_id,
                    accepted_by=actor,
                    accepted_at=_now(),
                )
            )
            _audit(session, actor, "accept", topic, fact.key, alert_id=alert_id, fact_id=fact.id)
            if alert_id:
                row = session.get(AlertRow, alert_id)
                if row is not None and row.acknowledged_at is None:
                    row.acknowledged_at = _now()

    def accepted_changes(self, topic: str, key: str | None = None) -> list[AcceptedChange]:
        """Accepted changes, oldest first."""
        with Session(self.engine) as session:
            query = (
                select(BaselineChangeRow)
                .where(BaselineChangeRow.topic == topic)
                .order_by(BaselineChangeRow.id)
            )
            if key is not None:
                query = query.where(BaselineChangeRow.key == key)
            return [
                AcceptedChange(
                    key=r.key,
                    fact=fact_from_dict(r.fact),
                    previous=fact_from_dict(r.previous) if r.previous else None,
                    alert_id=r.alert_id,
                    accepted_by=r.accepted_by,
                    accepted_at=r.accepted_at,
                )
                for r in session.scalars(query)
            ]

    def audit_log(self, topic: str | None = None, limit: int = 200) -> list[AuditEntry]:
        with Session(self.engine) as session:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if topic:
                query = query.where(AuditRow.topic == topic)
            return [
                AuditEntry(r.at, r.actor, r.action, r.topic, r.target, dict(r.details or {}))
                for r in session.scalars(query)
            ]

    def record_audit(
        self, actor: str, action: str, topic: str | None, target: str, **details: Any
    ) -> None:
        with Session(self.engine) as session, session.begin():
            _audit(session, actor, action, topic, target, **details)

    def observations(self, topic: str, key: str, *, latest: int | None = None) -> list[Observation]:
        """The stored observations of ``key``, oldest first, with reprint marks: all of
        them, or the ``latest`` ones."""
        order = (FactRow.published, FactRow.url, FactRow.span_start)
        with Session(self.engine) as session:
            query = (
                select(FactRow, ArticleRow.reprint_of)
                .outerjoin(ArticleRow, ArticleRow.id == FactRow.article_id)
                .where(FactRow.topic == topic, FactRow.key == key)
            )
            if latest is None:
                query = query.order_by(*order)
            else:
                query = query.order_by(*(c.desc() for c in order)).limit(latest)
            found = [
                Observation(fact_from_row(row), reprint) for row, reprint in session.execute(query)
            ]
        return found if latest is None else found[::-1]

    def observation_counts(self, topic: str) -> dict[str, int]:
        """key -> how many observations of it are stored."""
        with Session(self.engine) as session:
            query = (
                select(FactRow.key, func.count())
                .where(FactRow.topic == topic)
                .group_by(FactRow.key)
            )
            return {key: int(n) for key, n in session.execute(query)}

    def alert_keys(self, topic: str) -> list[str]:
        """The fact keys the topic's alerts are about, sorted: the ledger's entries,
        without loading every alert and its sources."""
        with Session(self.engine) as session:
            query = select(AlertRow.key).where(AlertRow.topic == topic).distinct()
            return sorted(session.scalars(query))

    def fact_by_id(self, fact_id: str) -> tuple[str, Fact] | None:
        """(topic, fact) of a stored observation."""
        with Session(self.engine) as session:
            row = session.get(FactRow, fact_id)
            return None if row is None else (row.topic, fact_from_row(row))

    def tracked(self, topic: str | None = None) -> list[tuple[str, str]]:
        """(topic, key) of every tracked fact with at least one stored observation."""
        with Session(self.engine) as session:
            query = select(FactRow.topic, FactRow.key).distinct()
            if topic:
                query = query.where(FactRow.topic == topic)
            return sorted((t, k) for t, k in session.execute(query))

    def fingerprints(self, topic: str) -> list[tuple[str, int]]:
        """(url, simhash) of the topic's stored articles, oldest first."""
        with Session(self.engine) as session:
            query = (
                select(ArticleRow.url, ArticleRow.simhash)
                .where(ArticleRow.topic == topic, ArticleRow.simhash.is_not(None))
                .order_by(ArticleRow.published, ArticleRow.id)
            )
            return [(url, int(h, 16)) for url, h in session.execute(query) if h]
