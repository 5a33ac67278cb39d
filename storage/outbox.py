"""The outbox: deliveries written with the alerts that caused them, sent at least once.

A delivery is claimed by a conditional UPDATE (state and lease in the WHERE
clause), so two senders never both own it, on SQLite or PostgreSQL. A sender
that dies while a delivery is "sending" leaves a lease that expires; the next
claim takes the delivery again with the same id, which is the message's
idempotency key (webhook-id, Message-ID), so receivers can drop the duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from facts.model import SEVERITY_RANK, Alert, Severity
from storage.models import Base, ChannelStateRow, DeliveryRow

# The outbox's table, for Core bulk INSERTs.
_DELIVERIES = Base.metadata.tables[DeliveryRow.__tablename__]


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    DISABLED = "disabled"


@dataclass(frozen=True)
class ChannelPolicy:
    """Which new alerts a channel gets, and how they are grouped.

    immediate_min_severity: alerts at or above it go one per message; the rest
    of a run's alerts go in one digest. None sends every alert on its own.
    """

    name: str
    type: str
    min_severity: Severity = Severity.LOW
    immediate_min_severity: Severity | None = None


@dataclass(frozen=True)
class DeliveryJob:
    id: str
    topic: str
    channel: str
    channel_type: str
    kind: str
    alert_ids: tuple[str, ...]
    attempts: int


@dataclass(frozen=True)
class DeliveryInfo:
    id: str
    topic: str
    channel: str
    channel_type: str
    kind: str
    alert_ids: tuple[str, ...]
    state: DeliveryState
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


def delivery_id(topic: str, channel: str, kind: str, alert_ids: Iterable[str]) -> str:
    raw = f"{topic}|{channel}|{kind}|{','.join(sorted(alert_ids))}"
    return "d_" + hashlib.sha256(raw.encode()).hexdigest()[:16]


def plan(
    topic: str, alerts: Sequence[Alert], channels: Sequence[ChannelPolicy]
) -> list[tuple[ChannelPolicy, str, tuple[str, ...]]]:
    """(channel, kind, alert ids) for each message the new alerts call for."""
    out: list[tuple[ChannelPolicy, str, tuple[str, ...]]] = []
    for channel in channels:
        wanted = [
            a for a in alerts if SEVERITY_RANK[a.severity] >= SEVERITY_RANK[channel.min_severity]
        ]
        immediate = channel.immediate_min_severity
        digest: list[str] = []
        for alert in wanted:
            if immediate is None or SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[immediate]:
                out.append((channel, "alert", (alert.id,)))
            else:
                digest.append(alert.id)
        if digest:
            out.append((channel, "digest", tuple(digest)))
    return out


def add_deliveries(
    session: Session,
    topic: str,
    run_id: int | None,
    alerts: Sequence[Alert],
    channels: Sequence[ChannelPolicy],
    now: datetime,
) -> int:
    """Write the deliveries for ``alerts`` in the caller's transaction.

    A delivery already stored (same id) is not written again; the check is one
    query per 500 planned messages, and the new rows are one bulk INSERT.

    A run saved in parts sends one digest per channel, not one per part: a part's
    digest takes in the digest an earlier part of the run left for the same channel,
    if no sender has claimed it yet (the old row is deleted and one with every
    alert written in its place; its id, the message's idempotency key, changes with
    its alerts, and nobody has seen the old one).
    """
    planned: dict[str, tuple[ChannelPolicy, str, tuple[str, ...]]] = {}
    for channel, kind, ids in plan(topic, alerts, channels):
        if kind == "digest" and run_id is not None:
            ids = _with_unsent_digest(session, topic, channel.name, run_id, ids)
        planned.setdefault(delivery_id(topic, channel.name, kind, ids), (channel, kind, ids))
    wanted = list(planned)
    stored: set[str] = set()
    for i in range(0, len(wanted), 500):
        query = select(DeliveryRow.id).where(DeliveryRow.id.in_(wanted[i : i + 500]))
        stored.update(session.scalars(query))
    rows = [
        {
            "id": did,
            "topic": topic,
            "channel": channel.name,
            "channel_type": channel.type,
            "kind": kind,
            "alert_ids": list(ids),
            "run_id": run_id,
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "last_error": None,
            "next_attempt_at": now,
            "lease_until": None,
            "created_at": now,
            "delivered_at": None,
        }
        for did, (channel, kind, ids) in planned.items()
        if did not in stored
    ]
    if rows:
        session.execute(insert(_DELIVERIES), rows)
    return len(rows)


def _with_unsent_digest(
    session: Session, topic: str, channel: str, run_id: int, ids: tuple[str, ...]
) -> tuple[str, ...]:
    """``ids`` with those of the run's digest for ``channel`` that no sender has
    claimed (pending, never attempted), which this deletes; just ``ids`` if none."""
    unsent = (
        (DeliveryRow.topic == topic)
        & (DeliveryRow.channel == channel)
        & (DeliveryRow.kind == "digest")
        & (DeliveryRow.run_id == run_id)
        & (DeliveryRow.state == DeliveryState.PENDING.value)
        & (DeliveryRow.attempts == 0)
    )
    earlier = session.execute(select(DeliveryRow.id, DeliveryRow.alert_ids).where(unsent)).all()
    merged: list[str] = []
    for did, alert_ids in earlier:
        # Conditional, as a claim is: a sender that took it first keeps it.
        gone = session.execute(delete(DeliveryRow).where(DeliveryRow.id == did, unsent))
        if gone.rowcount == 1:  # type: ignore[attr-defined]
            merged.extend(alert_ids)
    return tuple(dict.fromkeys([*merged, *ids]))


def _info(row: DeliveryRow) -> DeliveryInfo:
    return DeliveryInfo(
        id=row.id,
        topic=row.topic,
        channel=row.channel,
        channel_type=row.channel_type,
        kind=row.kind,
        alert_ids=tuple(row.alert_ids),
        state=DeliveryState(row.state),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


class Outbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim_due(
        self, topic: str, *, now: datetime, lease_s: float, limit: int = 100
    ) -> list[DeliveryJob]:
        """Take the deliveries that are due (or whose sender's lease ran out)."""
        lease_until = now + timedelta(seconds=lease_s)
        due = or_(
            (DeliveryRow.state == DeliveryState.PENDING.value)
            & (DeliveryRow.next_attempt_at <= now),
            (DeliveryRow.state == DeliveryState.SENDING.value) & (DeliveryRow.lease_until < now),
        )
        jobs: list[DeliveryJob] = []
        with Session(self.engine) as session:
            disabled = self._disabled(session, topic)
            query = (
                select(DeliveryRow.id)
                .where(DeliveryRow.topic == topic, due)
                .order_by(DeliveryRow.created_at, DeliveryRow.id)
                .limit(limit)
            )
            candidates = list(session.scalars(query))
        for did in candidates:
            with Session(self.engine) as session, session.begin():
                claimed = session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id == did, due)
                    .values(
                        state=DeliveryState.SENDING.value,
                        lease_until=lease_until,
                        attempts=DeliveryRow.attempts + 1,
                    )
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another sender took it first
                row = session.get(DeliveryRow, did)
                assert row is not None
                if row.channel in disabled:
                    row.state = DeliveryState.DISABLED.value
                    row.last_error = f"channel {row.channel} is disabled"
                    continue
                jobs.append(
                    DeliveryJob(
                        row.id, row.topic, row.channel, row.channel_type, row.kind,
                        tuple(row.alert_ids), row.attempts,
                    )
                )  # fmt: skip
        return jobs

    def finish(
        self,
        did: str,
        state: DeliveryState,
        *,
        now: datetime,
        error: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record the outcome of an attempt: delivered, pending again (retry), failed, disabled."""
        with Session(self.engine) as session, session.begin():
            row = session.get(DeliveryRow, did)
            if row is None:
                raise LookupError(f"delivery {did} does not exist")
            row.state = state.value
            row.lease_until = None
            row.last_error = error
            if state is DeliveryState.DELIVERED:
                row.delivered_at = now
            if state is DeliveryState.PENDING:
                row.next_attempt_at = next_attempt_at or now

    def disable_channel(self, topic: str, channel: str, reason: str, *, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
            if channel in self._disabled(session, topic):
                return
            session.add(
                ChannelStateRow(topic=topic, channel=channel, disabled_at=now, reason=reason)
            )

    def enable_channel(self, topic: str, channel: str) -> bool:
        with Session(self.engine) as session, session.begin():
            row = session.scalar(
                select(ChannelStateRow).where(
                    ChannelStateRow.topic == topic, ChannelStateRow.channel == channel
                )
            )
            if row is None:
                return False
            session.delete(row)
            return True

    def disabled_channels(self, topic: str) -> set[str]:
        with Session(self.engine) as session:
            return self._disabled(session, topic)

    @staticmethod
    def _disabled(session: Session, topic: str) -> set[str]:
        query = select(ChannelStateRow.channel).where(ChannelStateRow.topic == topic)
        return set(session.scalars(query))

    def deliveries(
        self, topic: str | None = None, state: DeliveryState | None = None
    ) -> list[DeliveryInfo]:
        with Session(self.engine) as session:
            query = select(DeliveryRow).order_by(DeliveryRow.created_at, DeliveryRow.id)
            if topic:
                query = query.where(DeliveryRow.topic == topic)
            if state is not None:
                query = query.where(DeliveryRow.state == state.value)
            return [_info(r) for r in session.scalars(query)]
