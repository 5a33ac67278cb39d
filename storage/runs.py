"""Monitor runs and the per-topic run lock.

A run takes its topic's lock with a conditional UPDATE on the topic_locks row
(free when its lease has run out), so two runs of one topic never overlap, on
SQLite or PostgreSQL. The lock is released in the transaction that completes or
fails the run. A process that dies mid-run leaves the lock until its lease ends;
the next run then marks the dead run "crashed" and takes over. Nothing a crashed
run did is half-saved: its results are written in one transaction at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import RunRow, TopicLockRow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RunBusy(Exception):
    """Another run of the topic holds its lock."""

    def __init__(self, topic: str, holder: int | None, lease_until: datetime) -> None:
        super().__init__(
            f"topic {topic}: run {holder} is in progress (its lock lasts until "
            f"{lease_until:%Y-%m-%d %H:%M:%S} UTC)"
        )
        self.topic = topic
        self.holder = holder


@dataclass(frozen=True)
class SourceError:
    source: str
    message: str


@dataclass(frozen=True)
class RunSummary:
    id: int
    topic: str
    started_at: datetime
    finished_at: datetime | None
    state: str
    feeds_ok: int
    feeds_failed: int
    articles_new: int
    facts_new: int
    alerts_new: int
    errors: tuple[SourceError, ...]
    report_path: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def release_lock(session: Session, run_id: int, now: datetime) -> None:
    session.execute(
        update(TopicLockRow).where(TopicLockRow.run_id == run_id).values(lease_until=now)
    )


class RunsMixin:
    engine: Engine

    def start_run(self, topic: str, *, lease_s: float = 6 * 3600) -> int:
        """Open a run of ``topic`` holding its lock; RunBusy when another run holds it."""
        now = _now()
        self._ensure_lock_row(topic)
        with Session(self.engine) as session, session.begin():
            taken = session.execute(
                update(TopicLockRow)
                .where(TopicLockRow.topic == topic, TopicLockRow.lease_until <= now)
                .values(lease_until=now + timedelta(seconds=lease_s))
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                lock = session.get(TopicLockRow, topic)
                assert lock is not None
                raise RunBusy(topic, lock.run_id, lock.lease_until)
            # Whatever still says "running" lost its lock: its process died.
            session.execute(
                update(RunRow)
                .where(RunRow.topic == topic, RunRow.state == "running")
                .values(state="crashed", finished_at=now)
            )
            row = RunRow(topic=topic, started_at=now, state="running", errors=[])
            session.add(row)
            session.flush()
            session.execute(
                update(TopicLockRow).where(TopicLockRow.topic == topic).values(run_id=row.id)
            )
            return row.id

    def _ensure_lock_row(self, topic: str) -> None:
        with Session(self.engine) as session:
            if session.get(TopicLockRow, topic) is not None:
                return
            session.add(TopicLockRow(topic=topic, run_id=None, lease_until=EPOCH))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # another process created it first: fine

    def fail_run(self, run_id: int, message: str) -> None:
        """Mark a run failed and free its topic, without touching what earlier runs stored."""
        with Session(self.engine) as session, session.begin():
            row = session.get(RunRow, run_id)
            if row is not None:
                row.state = "failed"
                row.finished_at = _now()
                row.errors = [*row.errors, {"source": "run", "message": message}]
            release_lock(session, run_id, _now())

    def set_report_path(self, run_id: int, path: str) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(RunRow, run_id)
            if row is not None:
                row.report_path = path

    def last_run_start(self, topic: str, state: str = "completed") -> datetime | None:
        with Session(self.engine) as session:
            query = (
                select(RunRow.started_at)
                .where(RunRow.topic == topic, RunRow.state == state)
                .order_by(RunRow.started_at.desc())
                .limit(1)
            )
            return session.scalar(query)

    def runs(self, topic: str | None = None, limit: int = 50) -> list[RunSummary]:
        """Newest first. A "running" run whose topic lock has expired is shown as crashed."""
        now = _now()
        with Session(self.engine) as session:
            query = select(RunRow).order_by(RunRow.id.desc()).limit(limit)
            if topic:
                query = query.where(RunRow.topic == topic)
            locks = {
                lock.run_id: lock.lease_until for lock in session.scalars(select(TopicLockRow))
            }
            out = []
            for r in session.scalars(query):
                state = r.state
                if state == "running" and locks.get(r.id, EPOCH) <= now:
                    state = "crashed"
                out.append(
                    RunSummary(
                        id=r.id,
                        topic=r.topic,
                        started_at=r.started_at,
                        finished_at=r.finished_at,
                        state=state,
                        feeds_ok=r.feeds_ok,
                        feeds_failed=r.feeds_failed,
                        articles_new=r.articles_new,
                        facts_new=r.facts_new,
                        alerts_new=r.alerts_new,
                        errors=tuple(SourceError(e["source"], e["message"]) for e in r.errors),
                        report_path=r.report_path,
                    )
                )
            return out
