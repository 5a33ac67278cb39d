"""The storage API: functions over dataclasses. No ORM object leaves this module."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from facts.model import (
    Alert,
    Change,
    ChangeKind,
    Fact,
    Severity,
    Source,
)
from storage.convert import fact_from_row, fact_row
from storage.models import (
    AlertRow,
    AlertSourceRow,
    ArticleRow,
    ChangeRow,
    FactRow,
    FeedRow,
    RunRow,
)
from storage.outbox import ChannelPolicy, add_deliveries
from storage.review import ReviewMixin
from storage.runs import RunsMixin, SourceError, release_lock


@dataclass(frozen=True)
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0


@dataclass(frozen=True)
class FeedOutcome:
    """What one fetch of a feed did, for the feed's stored state."""

    name: str
    url: str
    ok: bool
    status: str
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ArticleRecord:
    url: str
    title: str
    outlet: str
    published: date | None
    text: str
    content_hash: str
    guid: str | None = None
    feed_url: str | None = None
    simhash: int | None = None
    reprint_of: str | None = None


@dataclass(frozen=True)
class RunResult:
    """Everything one monitor run saves, in one transaction."""

    run_id: int
    topic: str
    feeds: Sequence[FeedOutcome] = ()
    articles: Sequence[tuple[ArticleRecord, Sequence[Fact]]] = ()
    changes: Sequence[Change] = ()
    alerts: Sequence[Alert] = ()
    errors: Sequence[SourceError] = ()
    channels: Sequence[ChannelPolicy] = ()
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class SavedRun:
    articles_new: int
    facts_new: int
    alerts_new: int
    alerts_updated: int
    deliveries_new: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _source_sort_key(s: AlertSourceRow | Source) -> tuple[bool, date, str]:
    # Dated sources first, earliest first; undated ones last (as alerts.build_alerts orders).
    return (s.published is None, s.published or date.min, s.url)


class Store(RunsMixin, ReviewMixin):
    """Reads and writes pledgewatch's database. Every method opens its own session."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- feeds and articles ----------------------------------------------
    def feed_states(self, topic: str) -> dict[str, FeedState]:
        with Session(self.engine) as session:
            rows = session.scalars(select(FeedRow).where(FeedRow.topic == topic))
            return {
                r.url: FeedState(r.url, r.etag, r.last_modified, r.consecutive_failures)
                for r in rows
            }

    def known_entries(self, topic: str, entries: Iterable[tuple[str, str | None]]) -> set[str]:
        """The URLs of (url, guid) pairs already stored for the topic, by URL or by GUID.

        The GUID catches an article whose address changed (a feed moved host or
        port) but that the feed still names the same.
        """
        pairs = list(dict.fromkeys(entries))
        urls = [u for u, _ in pairs]
        guids = [g for _, g in pairs if g]
        known_urls: set[str] = set()
        known_guids: set[str] = set()
        with Session(self.engine) as session:
            # Chunked: SQLite caps the number of bound parameters.
            for i in range(0, max(len(urls), len(guids)), 500):
                if urls[i : i + 500]:
                    query = select(ArticleRow.url).where(
                        ArticleRow.topic == topic, ArticleRow.url.in_(urls[i : i + 500])
                    )
                    known_urls.update(session.scalars(query))
                if guids[i : i + 500]:
                    gquery = select(ArticleRow.guid).where(
                        ArticleRow.topic == topic, ArticleRow.guid.in_(guids[i : i + 500])
                    )
                    known_guids.update(g for g in session.scalars(gquery) if g)
        return {u for u, g in pairs if u in known_urls or (g is not None and g in known_guids)}

    def prior_observations(self, topic: str, keys: Iterable[str]) -> list[Fact]:
        wanted = sorted(set(keys))
        facts: list[Fact] = []
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                query = select(FactRow).where(
                    FactRow.topic == topic, FactRow.key.in_(wanted[i : i + 500])
                )
                facts.extend(fact_from_row(r) for r in session.scalars(query))
        return facts

    # -- the one write of a run --------------------------------------------
    def save_run(self, result: RunResult) -> SavedRun:
        """Save a run's articles, facts, changes, alerts and feed states atomically.

        Articles already stored (same topic and URL) and facts already stored
        (same id) are skipped, so saving a result twice stores nothing twice.
        """
        with Session(self.engine) as session, session.begin():
            run = session.get(RunRow, result.run_id)
            if run is None:
                raise LookupError(f"run {result.run_id} does not exist")
            self._save_feeds(session, result)
            articles_new, facts_new = self._save_articles(session, result)
            created, alerts_updated = self._save_alerts(session, result)
            alerts_new = len(created)
            # The outbox rows commit with the alerts: an alert is never stored
            # without the messages it calls for, nor a message without its alert.
            deliveries_new = add_deliveries(
                session, result.topic, result.run_id, created, result.channels, result.finished_at
            )
            for change in result.changes:
                session.add(
                    ChangeRow(
                        run_id=result.run_id,
                        topic=result.topic,
                        kind=change.kind.value,
                        key=change.key,
                        fact_id=change.observed.id,
                        other_fact_id=change.other.id if change.other else None,
                        details=json.loads(json.dumps(dict(change.details), default=str)),
                        alert_id=None,
                    )
                )
            run.finished_at = result.finished_at
            run.state = "completed"
            run.feeds_ok = sum(1 for f in result.feeds if f.ok)
            run.feeds_failed = sum(1 for f in result.feeds if not f.ok)
            run.articles_new = articles_new
            run.facts_new = facts_new
            run.alerts_new = alerts_new
            run.errors = [{"source": e.source, "message": e.message} for e in result.errors]
            release_lock(session, result.run_id, result.finished_at)
        return SavedRun(articles_new, facts_new, alerts_new, alerts_updated, deliveries_new)

    def _save_feeds(self, session: Session, result: RunResult) -> None:
        for outcome in result.feeds:
            row = session.scalar(
                select(FeedRow).where(FeedRow.topic == result.topic, FeedRow.url == outcome.url)
            )
            if row is None:
                row = FeedRow(topic=result.topic, url=outcome.url, name=outcome.name)
                row.consecutive_failures = 0
                session.add(row)
            row.last_fetched_at = result.finished_at
            row.last_status = outcome.status
            if outcome.ok:
                row.consecutive_failures = 0
                row.last_error = None
                # A 304 carries no new validators; keep the ones we have.
                row.etag = outcome.etag or row.etag
                row.last_modified = outcome.last_modified or row.last_modified
            else:
                row.consecutive_failures = (row.consecutive_failures or 0) + 1
                row.last_error = outcome.error

    def _save_articles(self, session: Session, result: RunResult) -> tuple[int, int]:
        articles_new = facts_new = 0
        known = set(
            session.scalars(
                select(ArticleRow.url).where(
                    ArticleRow.topic == result.topic,
                    ArticleRow.url.in_([a.url for a, _ in result.articles]),
                )
            )
        )
        fact_ids = [f.id for _, facts in result.articles for f in facts]
        known_facts = set(session.scalars(select(FactRow.id).where(FactRow.id.in_(fact_ids))))
        for article, facts in result.articles:
            if article.url in known:
                continue
            known.add(article.url)
            row = ArticleRow(
                topic=result.topic,
                url=article.url,
                guid=article.guid,
                feed_url=article.feed_url,
                title=article.title,
                outlet=article.outlet,
                published=article.published,
                fetched_at=result.finished_at,
                content_hash=article.content_hash,
                simhash=f"{article.simhash:016x}" if article.simhash is not None else None,
                reprint_of=article.reprint_of,
                text=article.text,
                run_id=result.run_id,
            )
            session.add(row)
            session.flush()
            articles_new += 1
            for fact in facts:
                if fact.id in known_facts:
                    continue
                known_facts.add(fact.id)
                session.add(fact_row(result.topic, fact, row.id, result.run_id))
                facts_new += 1
        session.flush()
        return articles_new, facts_new

    def _save_alerts(self, session: Session, result: RunResult) -> tuple[list[Alert], int]:
        created: list[Alert] = []
        updated = 0
        for alert in result.alerts:
            row = session.get(AlertRow, alert.id)
            if row is None:
                row = AlertRow(
                    id=alert.id,
                    topic=alert.topic,
                    kind=alert.kind.value,
                    severity=alert.severity.value,
                    subject=alert.subject,
                    key=alert.key,
                    summary=alert.summary,
                    baseline_value=alert.baseline_value,
                    baseline_quote=alert.baseline_quote,
                    observed_value=alert.observed_value,
                    observed_quote=alert.observed_quote,
                    created_at=result.finished_at,
                    updated_at=result.finished_at,
                    first_run_id=result.run_id,
                )
                session.add(row)
                created.append(alert)
            have = set(
                session.scalars(
                    select(AlertSourceRow.url).where(AlertSourceRow.alert_id == alert.id)
                )
            )
            added = False
            for source in alert.sources:
                if source.url in have:
                    continue
                have.add(source.url)
                session.add(
                    AlertSourceRow(
                        alert_id=alert.id,
                        url=source.url,
                        outlet=source.outlet,
                        published=source.published,
                        quote=source.quote,
                        fact_id=source.fact_id,
                    )
                )
                added = True
            if added and row.created_at != result.finished_at:
                row.updated_at = result.finished_at
                updated += 1
        session.flush()
        return created, updated

    # -- reading alerts and facts -----------------------------------------
    def alerts(
        self,
        topic: str | None = None,
        *,
        run_id: int | None = None,
        severity: Severity | None = None,
        kind: ChangeKind | None = None,
        since: datetime | None = None,
    ) -> list[Alert]:
        """Alerts, most severe first; since: raised at or after that time."""
        with Session(self.engine) as session:
            query = select(AlertRow)
            if since is not None:
                query = query.where(AlertRow.created_at >= since)
            if topic:
                query = query.where(AlertRow.topic == topic)
            if run_id is not None:
                query = query.where(AlertRow.first_run_id == run_id)
            if severity is not None:
                query = query.where(AlertRow.severity == severity.value)
            if kind is not None:
                query = query.where(AlertRow.kind == kind.value)
            rows = list(session.scalars(query))
            sources = self._sources(session, [r.id for r in rows])
            alerts = [self._alert(r, sources.get(r.id, [])) for r in rows]
        rank = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
        alerts.sort(key=lambda a: (rank[a.severity], a.subject, a.id))
        return alerts

    def alert(self, alert_id: str) -> Alert | None:
        with Session(self.engine) as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                return None
            return self._alert(row, self._sources(session, [alert_id]).get(alert_id, []))

    @staticmethod
    def _sources(session: Session, ids: Sequence[str]) -> dict[str, list[Source]]:
        """Each alert's sources, with the article each reprints (if it is a reprint)."""
        out: dict[str, list[Source]] = {}
        for i in range(0, len(ids), 500):
            query = (
                select(AlertSourceRow, ArticleRow.reprint_of)
                .join(AlertRow, AlertRow.id == AlertSourceRow.alert_id)
                .outerjoin(
                    ArticleRow,
                    (ArticleRow.url == AlertSourceRow.url) & (ArticleRow.topic == AlertRow.topic),
                )
                .where(AlertSourceRow.alert_id.in_(ids[i : i + 500]))
            )
            for s, reprint_of in session.execute(query):
                source = Source(s.url, s.outlet, s.published, s.quote, s.fact_id, reprint_of)
                out.setdefault(s.alert_id, []).append(source)
        return out

    @staticmethod
    def _alert(row: AlertRow, source_rows: list[Source]) -> Alert:
        sources = sorted(source_rows, key=_source_sort_key)
        if not sources:
            raise LookupError(f"alert {row.id} has no sources")
        return Alert(
            id=row.id,
            topic=row.topic,
            kind=ChangeKind(row.kind),
            severity=Severity(row.severity),
            subject=row.subject,
            key=row.key,
            summary=row.summary,
            baseline_value=row.baseline_value,
            baseline_quote=row.baseline_quote,
            observed_value=row.observed_value,
            observed_quote=row.observed_quote,
            source=sources[0],
            corroborating=tuple(sources[1:]),
            acknowledged=row.acknowledged_at is not None,
        )

    def facts(self, topic: str | None = None) -> list[Fact]:
        with Session(self.engine) as session:
            query = select(FactRow).order_by(FactRow.published, FactRow.url, FactRow.span_start)
            if topic:
                query = query.where(FactRow.topic == topic)
            return [fact_from_row(r) for r in session.scalars(query)]

    def counts(self, topic: str | None = None) -> dict[str, int]:
        """Row counts per table, for the CLI's status line and the tests."""
        out: dict[str, int] = {}
        with Session(self.engine) as session:
            for name, model in (
                ("articles", ArticleRow),
                ("facts", FactRow),
                ("alerts", AlertRow),
                ("changes", ChangeRow),
                ("runs", RunRow),
            ):
                query: Any = select(func.count()).select_from(model)
                if topic:
                    query = query.where(model.topic == topic)
                out[name] = int(session.scalar(query) or 0)
        return out
