"""SQLAlchemy 2 models. Private to storage/: nothing outside this room sees them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite keeps no offset and hands back naive values; this stores UTC and
    gives back aware UTC datetimes, so comparisons work the same on PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))
    feeds_ok: Mapped[int] = mapped_column(Integer, default=0)
    feeds_failed: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    facts_new: Mapped[int] = mapped_column(Integer, default=0)
    alerts_new: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    report_path: Mapped[str | None] = mapped_column(Text)


class FeedRow(Base):
    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("topic", "url", name="uq_feeds_topic_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("topic", "url", name="uq_articles_topic_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    guid: Mapped[str | None] = mapped_column(Text)
    feed_url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    outlet: Mapped[str] = mapped_column(String(300))
    published: Mapped[date | None] = mapped_column(Date)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # simhash of the text as 16 hex digits (a 64-bit unsigned value fits no SQL integer)
    simhash: Mapped[str | None] = mapped_column(String(16))
    reprint_of: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))


class FactRow(Base):
    __tablename__ = "facts"
    __table_args__ = (
        Index("ix_facts_topic_key", "topic", "key"),
        Index("ix_facts_topic_key_kept", "topic", "key", "kept"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(Text)
    # Decimals are stored as text: exact on every backend (SQLite has no decimal type).
    value: Mapped[str | None] = mapped_column(String(80))
    value_max: Mapped[str | None] = mapped_column(String(80))
    unit: Mapped[str | None] = mapped_column(String(40))
    qualifier: Mapped[str | None] = mapped_column(String(40))
    figure_kind: Mapped[str | None] = mapped_column(String(20))
    deadline: Mapped[str | None] = mapped_column(String(20))
    period: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str | None] = mapped_column(Text)
    actors: Mapped[list[str]] = mapped_column(JSON, default=list)
    speaker: Mapped[str | None] = mapped_column(Text)
    negated: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str] = mapped_column(Text)
    outlet: Mapped[str] = mapped_column(String(300))
    published: Mapped[date | None] = mapped_column(Date)
    quote: Mapped[str] = mapped_column(Text)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    # Among the observations a later run compares with (facts.compare.kept_of_key):
    # kept up to date by each save for the keys it adds to. Rows stored before the
    # column existed are all marked, and the first save of their key sorts them out.
    kept: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    baseline_value: Mapped[str | None] = mapped_column(Text)
    baseline_quote: Mapped[str | None] = mapped_column(Text)
    observed_value: Mapped[str] = mapped_column(Text)
    observed_quote: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertSourceRow(Base):
    __tablename__ = "alert_sources"
    __table_args__ = (UniqueConstraint("alert_id", "url", name="uq_alert_sources_alert_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    outlet: Mapped[str] = mapped_column(String(300))
    published: Mapped[date | None] = mapped_column(Date)
    quote: Mapped[str] = mapped_column(Text)
    fact_id: Mapped[str] = mapped_column(String(40))


class ChangeRow(Base):
    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(Text)
    # Not a foreign key: a change may rest on a baseline fact, which lives in the
    # topic folder (baseline.facts.json), not in the facts table.
    fact_id: Mapped[str] = mapped_column(String(40))
    other_fact_id: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    alert_id: Mapped[str | None] = mapped_column(ForeignKey("alerts.id"))


class DeliveryRow(Base):
    """The outbox: one message to one channel, written in the run's transaction."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "topic", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(200))
    channel_type: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    alert_ids: Mapped[list[str]] = mapped_column(JSON)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChannelStateRow(Base):
    """A channel an endpoint asked us to stop calling (HTTP 410)."""

    __tablename__ = "channel_states"
    __table_args__ = (UniqueConstraint("topic", "channel", name="uq_channel_states_topic_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(200))
    disabled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)


class TopicLockRow(Base):
    """One row per topic: the run that holds it, until its lease runs out."""

    __tablename__ = "topic_locks"

    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())


class BaselineChangeRow(Base):
    """An accepted change: the baseline fact of a key from then on, and what it was."""

    __tablename__ = "baseline_changes"
    __table_args__ = (Index("ix_baseline_changes_topic_key", "topic", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(Text)
    fact: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    alert_id: Mapped[str | None] = mapped_column(String(40))
    accepted_by: Mapped[str] = mapped_column(String(200))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditRow(Base):
    """Every review action a person took: acknowledge, accept, channel changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
