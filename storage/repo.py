"""The storage API: functions over dataclasses. No ORM object leaves this module."""

from __future__ import annotations

import functools
import heapq
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    column,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableClause

from facts.compare import kept_of_key, needed_prior, stored_order
from facts.model import (
    Alert,
    Change,
    ChangeKind,
    Fact,
    Severity,
    Source,
)
from storage.convert import fact_from_row, fact_values
from storage.models import (
    AlertRow,
    AlertSourceRow,
    ArticleRow,
    Base,
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
    """What one monitor run saves, in one transaction; or one part of it.

    A run with many new articles saves them a part at a time (``final=False``), so
    that it never holds all of them in memory: each part is whole (articles, facts,
    changes, alerts, messages together), the run's counts add up part by part, and
    the last part (``final=True``, with the feeds' new state) completes the run and
    releases its topic. A run cut short leaves its saved parts; the next run finds
    their articles stored and fetches the rest, because the feeds' ETags were not
    saved.
    """

    run_id: int
    topic: str
    feeds: Sequence[FeedOutcome] = ()
    articles: Sequence[tuple[ArticleRecord, Sequence[Fact]]] = ()
    changes: Sequence[Change] = ()
    alerts: Sequence[Alert] = ()
    errors: Sequence[SourceError] = ()
    channels: Sequence[ChannelPolicy] = ()
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    final: bool = True


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


def _pair_order(pair: tuple[str, Fact]) -> tuple[bool, date, str, int, str]:
    return stored_order(pair[1], pair[0])


def _read(rows: Iterable[FactRow], ids: list[str]) -> Iterator[tuple[str, Fact]]:
    """(id, fact) of each row, as it is read; the ids go into ``ids`` too."""
    for row in rows:
        ids.append(row.id)
        yield row.id, fact_from_row(row)


def _by_code_point(column: Any, dialect: str) -> Any:
    """``column`` for ORDER BY in code-point order, as Python compares str: SQLite's
    BINARY collation does that; on PostgreSQL, "C" does, whatever the database's own."""
    return column.collate("C") if dialect == "postgresql" else column


def _stored_order(dialect: str) -> tuple[Any, ...]:
    """facts.compare.stored_order as ORDER BY terms: undated first, then by date, URL,
    place in the text and id, strings in code-point order."""
    return (
        FactRow.published.is_not(None),
        FactRow.published,
        _by_code_point(FactRow.url, dialect),
        FactRow.span_start,
        _by_code_point(FactRow.id, dialect),
    )


def _reprint_join() -> Any:
    """alert_sources -> articles (for reprint_of): the source's article in the alert's topic."""
    return (ArticleRow.url == AlertSourceRow.url) & (ArticleRow.topic == AlertRow.topic)


def _first_per_alert(dialect: str, query: Any, first: int) -> Any:
    """``query`` (rows of alert_sources) cut to each alert's ``first`` rows in
    _source_sort_key's order (URLs by code point): a window function, on SQLite
    (3.25+) and PostgreSQL."""
    url = _by_code_point(AlertSourceRow.url, dialect)
    rank = func.row_number().over(
        partition_by=AlertSourceRow.alert_id,
        order_by=(AlertSourceRow.published.is_(None), AlertSourceRow.published, url),
    )
    ranked = query.add_columns(rank.label("rank")).subquery()
    return select(*(c for c in ranked.c if c.name != "rank")).where(ranked.c.rank <= first)


# Bound parameters per IN list: well under SQLite's limit, and a short statement.
_IN_CHUNK = 500
# Rows per bulk INSERT: enough to make round trips rare, few enough that the
# parameter dicts of one chunk are all a save holds at a time.
_INSERT_CHUNK = 1000
# Articles per chunk (their texts are the bulk of a chunk's parameters).
_ARTICLE_CHUNK = 200
# Alerts per chunk (with their sources, some hundreds each).
_ALERT_CHUNK = 100

# The models' tables, for Core statements.
_FEEDS = Base.metadata.tables[FeedRow.__tablename__]
_ARTICLES = Base.metadata.tables[ArticleRow.__tablename__]
_FACTS = Base.metadata.tables[FactRow.__tablename__]
_ALERTS = Base.metadata.tables[AlertRow.__tablename__]
_ALERT_SOURCES = Base.metadata.tables[AlertSourceRow.__tablename__]
_CHANGES = Base.metadata.tables[ChangeRow.__tablename__]

_T = TypeVar("_T")


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (the last one shorter), taken as they come."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


class _FactIds:
    """Fact.id and Fact.key, read once per fact object of a chunk of changes.

    Both are computed on every read (the id is a hash), and a run's changes name
    the same facts over and over (the benchmark run: 111,770 references to 14,374
    facts; 21,002 distinct ones counted chunk by chunk). Keyed by object identity:
    the result being saved keeps every fact alive.
    """

    def __init__(self) -> None:
        self._ids: dict[int, tuple[str, str]] = {}

    def __call__(self, fact: Fact) -> tuple[str, str]:
        """(id, key) of ``fact``."""
        found = self._ids.get(id(fact))
        if found is None:
            found = self._ids[id(fact)] = (fact.id, fact.key)
        return found


def _insert_many(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts by column name, all with the same keys; JSON columns as
    JSON text) in the caller's transaction, holding no more than a chunk of them.

    PostgreSQL takes them by COPY: psycopg's executemany sends one INSERT per row,
    which for a run's tens of thousands of changes cost the server three times as
    long, and this process ten times the CPU. Elsewhere (SQLite) they go by
    executemany, a chunk at a time, with the JSON columns bound as text as given.
    COPY hands values to the driver as they are, past the column types' own
    processing: hence no columns of a TypeDecorator (UTCDateTime's check of naive
    times would be skipped).
    """
    if any(isinstance(c.type, TypeDecorator) for c in table.c):
        raise TypeError(f"{table.name}: _insert_many takes no TypeDecorator columns")
    if conn.dialect.name == "postgresql":
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return
        names = list(first)
        quote = conn.dialect.identifier_preparer.quote
        sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        driver: Any = conn.connection.driver_connection  # psycopg's own connection
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write_row([first[n] for n in names])
            for row in rows:
                copy.write_row([row[n] for n in names])
        return
    statement = insert(_with_json_as_text(table))
    for chunk in _chunks(rows, _INSERT_CHUNK):
        conn.execute(statement, chunk)


@functools.cache
def _with_json_as_text(table: Table) -> TableClause:
    """``table`` with its JSON columns typed as text, for rows whose JSON is serialised."""
    columns = (column(c.name, Text() if isinstance(c.type, JSON) else c.type) for c in table.c)
    return sql_table(table.name, *columns)


def _article_values(result: RunResult, article: ArticleRecord) -> dict[str, Any]:
    return {
        "topic": result.topic,
        "url": article.url,
        "guid": article.guid,
        "feed_url": article.feed_url,
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published,
        "fetched_at": result.finished_at,
        "content_hash": article.content_hash,
        "simhash": f"{article.simhash:016x}" if article.simhash is not None else None,
        "reprint_of": article.reprint_of,
        "text": article.text,
        "run_id": result.run_id,
    }


def _source_values(alert_id: str, source: Source) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "url": source.url,
        "outlet": source.outlet,
        "published": source.published,
        "quote": source.quote,
        "fact_id": source.fact_id,
    }


def _alert_values(result: RunResult, alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "topic": alert.topic,
        "kind": alert.kind.value,
        "severity": alert.severity.value,
        "subject": alert.subject,
        "key": alert.key,
        "summary": alert.summary,
        "baseline_value": alert.baseline_value,
        "baseline_quote": alert.baseline_quote,
        "observed_value": alert.observed_value,
        "observed_quote": alert.observed_quote,
        "created_at": result.finished_at,
        "updated_at": result.finished_at,
        "first_run_id": result.run_id,
        "acknowledged_at": None,
    }


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

    def prior_observations(self, topic: str, keys: Iterable[str]) -> Iterator[Fact]:
        """The stored observations of ``keys``, streamed (2,000 rows at a time): a
        store of 200,000 facts is read without holding them all."""
        wanted = sorted(set(keys))
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                query = select(FactRow).where(
                    FactRow.topic == topic, FactRow.key.in_(wanted[i : i + 500])
                )
                rows = session.execute(query.execution_options(yield_per=2000)).scalars()
                yield from (fact_from_row(r) for r in rows)

    def needed_observations(self, topic: str, keys: Iterable[str]) -> list[Fact]:
        """What comparing a run needs of the stored observations of ``keys``:
        ``facts.compare.needed_prior`` of them in ``stored_order``, which is the same
        as of the rows marked kept (``kept_of_key``): a few per key, stated value and
        outlet, however many articles restated them. The rows come sorted from the
        database and are streamed (2,000 at a time), never held all at once."""
        wanted = set(keys)
        if not wanted:
            return []
        with Session(self.engine) as session:
            query = select(FactRow).where(FactRow.topic == topic, FactRow.kept == true())
            if len(wanted) <= _IN_CHUNK:
                query = query.where(FactRow.key.in_(sorted(wanted)))
            # More keys than one IN list takes: the topic's marked rows, filtered here,
            # so that they still come in one stream in stored_order.
            query = query.order_by(*_stored_order(session.get_bind().dialect.name))
            rows = session.execute(query.execution_options(yield_per=2000)).scalars()
            return needed_prior(fact_from_row(r) for r in rows if r.key in wanted)

    def latest_observations(self, topic: str, keys: Iterable[str]) -> list[Fact]:
        """Each key's observations from its latest date (all of them where none is
        dated): what a key's latest word is chosen from, without reading its history."""
        wanted = sorted(set(keys))
        facts: list[Fact] = []
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                latest = (
                    select(FactRow.key, func.max(FactRow.published).label("day"))
                    .where(FactRow.topic == topic, FactRow.key.in_(chunk))
                    .group_by(FactRow.key)
                    .subquery()
                )
                query = (
                    select(FactRow)
                    .join(
                        latest,
                        (FactRow.key == latest.c.key)
                        & (
                            (FactRow.published == latest.c.day)
                            | (latest.c.day.is_(None) & FactRow.published.is_(None))
                        ),
                    )
                    .where(FactRow.topic == topic)
                )
                facts.extend(fact_from_row(r) for r in session.scalars(query))
        return facts

    # -- the one write of a run --------------------------------------------
    def save_run(self, result: RunResult) -> SavedRun:
        """Save a run's articles, facts, changes, alerts and feed states atomically.

        Articles already stored (same topic and URL) and facts already stored
        (same id) are skipped, so saving a result twice stores nothing twice.

        Rows go in by bulk INSERTs (COPY on PostgreSQL), made a chunk at a time,
        and the existence checks are one query per chunk: a run of 1,000 articles
        writes over 120,000 rows, and an ORM object for each (kept by the session
        until the commit) cost seconds and hundreds of MB.
        """
        with Session(self.engine) as session, session.begin():
            conn = session.connection()
            if conn.scalar(select(RunRow.id).where(RunRow.id == result.run_id)) is None:
                raise LookupError(f"run {result.run_id} does not exist")
            self._save_feeds(conn, result)
            articles_new, facts_new = self._save_articles(conn, result)
            created, alerts_updated = self._save_alerts(conn, result)
            alerts_new = len(created)
            # The outbox rows commit with the alerts: an alert is never stored
            # without the messages it calls for, nor a message without its alert.
            deliveries_new = add_deliveries(
                session, result.topic, result.run_id, created, result.channels, result.finished_at
            )
            self._save_changes(conn, result)
            stored_errors = conn.scalar(select(RunRow.errors).where(RunRow.id == result.run_id))
            errors = [{"source": e.source, "message": e.message} for e in result.errors]
            # Counts add up over a run's parts; the last part completes the run.
            conn.execute(
                update(RunRow)
                .where(RunRow.id == result.run_id)
                .values(
                    feeds_ok=RunRow.feeds_ok + sum(1 for f in result.feeds if f.ok),
                    feeds_failed=RunRow.feeds_failed + sum(1 for f in result.feeds if not f.ok),
                    articles_new=RunRow.articles_new + articles_new,
                    facts_new=RunRow.facts_new + facts_new,
                    alerts_new=RunRow.alerts_new + alerts_new,
                    errors=[*(stored_errors or []), *errors],
                    **(
                        {"finished_at": result.finished_at, "state": "completed"}
                        if result.final
                        else {}
                    ),
                )
            )
            if result.final:
                release_lock(session, result.run_id, result.finished_at)
        return SavedRun(articles_new, facts_new, alerts_new, alerts_updated, deliveries_new)

    def _save_feeds(self, conn: Connection, result: RunResult) -> None:
        feeds = _FEEDS
        urls = list(dict.fromkeys(o.url for o in result.feeds))
        # url -> the feed's state columns, as stored and then as this run leaves them
        state: dict[str, dict[str, Any]] = {}
        stored: dict[str, int] = {}
        for chunk in _chunks(urls, _IN_CHUNK):
            query = select(
                feeds.c.id, feeds.c.url, feeds.c.etag, feeds.c.last_modified,
                feeds.c.consecutive_failures,
            ).where(feeds.c.topic == result.topic, feeds.c.url.in_(chunk))  # fmt: skip
            for fid, url, etag, last_modified, failures in conn.execute(query):
                stored[url] = fid
                state[url] = {
                    "etag": etag,
                    "last_modified": last_modified,
                    "consecutive_failures": failures or 0,
                }
        new: dict[str, str] = {}
        for outcome in result.feeds:
            if outcome.url not in state:
                new[outcome.url] = outcome.name
                state[outcome.url] = {
                    "etag": None,
                    "last_modified": None,
                    "consecutive_failures": 0,
                }
            row = state[outcome.url]
            row["last_fetched_at"] = result.finished_at
            row["last_status"] = outcome.status
            if outcome.ok:
                row["consecutive_failures"] = 0
                row["last_error"] = None
                # A 304 carries no new validators; keep the ones we have.
                row["etag"] = outcome.etag or row["etag"]
                row["last_modified"] = outcome.last_modified or row["last_modified"]
            else:
                row["consecutive_failures"] += 1
                row["last_error"] = outcome.error
        if new:
            conn.execute(
                insert(feeds),
                [{"topic": result.topic, "url": u, "name": n, **state[u]} for u, n in new.items()],
            )
        if stored:
            by_id = update(feeds).where(feeds.c.id == bindparam("feed_id"))
            conn.execute(by_id, [{"feed_id": fid, **state[u]} for u, fid in stored.items()])

    def _save_articles(self, conn: Connection, result: RunResult) -> tuple[int, int]:
        articles, facts = _ARTICLES, _FACTS
        articles_new = facts_new = 0
        added: list[tuple[str, Fact]] = []  # the facts this save stores, with their ids
        # What earlier chunks stored, the next chunk's queries find: only a chunk's
        # URLs and fact ids are held at a time.
        for chunk in _chunks(result.articles, _ARTICLE_CHUNK):
            query = select(articles.c.url).where(
                articles.c.topic == result.topic, articles.c.url.in_([a.url for a, _ in chunk])
            )
            seen_urls = set(conn.scalars(query))
            fresh: list[tuple[ArticleRecord, Sequence[Fact]]] = []
            for article, article_facts in chunk:
                if article.url not in seen_urls:
                    seen_urls.add(article.url)
                    fresh.append((article, article_facts))
            if not fresh:
                continue
            # RETURNING the URL with the id: the rows may come back in any order.
            inserted = conn.execute(
                insert(articles).returning(articles.c.url, articles.c.id),
                [_article_values(result, article) for article, _ in fresh],
            )
            article_id: dict[str, int] = dict(inserted.all())
            articles_new += len(fresh)
            candidates = [
                (fact.id, fact, article_id[article.url])
                for article, article_facts in fresh
                for fact in article_facts
            ]
            seen_facts: set[str] = set()
            for ids in _chunks([fid for fid, _, _ in candidates], _IN_CHUNK):
                seen_facts.update(conn.scalars(select(facts.c.id).where(facts.c.id.in_(ids))))
            rows = []
            for fid, fact, aid in candidates:
                if fid not in seen_facts:
                    seen_facts.add(fid)
                    # Unmarked at first: _mark_kept marks those later runs need.
                    rows.append({**fact_values(result.topic, fact, aid, result.run_id, fid),
                                 "kept": False})  # fmt: skip
                    added.append((fid, fact))
            _insert_many(conn, facts, rows)
            facts_new += len(rows)
        self._mark_kept(conn, result.topic, added)
        return articles_new, facts_new

    @staticmethod
    def _mark_kept(conn: Connection, topic: str, added: Sequence[tuple[str, Fact]]) -> None:
        """Mark, among the marked rows of the keys ``added`` (id, fact) adds to and the
        added rows themselves, those later comparisons need (``kept_of_key``), and
        unmark the rest. One stream of each key's marked rows in stored_order, merged
        with its added facts: a few rows a key once its rows are sorted out."""
        by_key: dict[str, list[tuple[str, Fact]]] = {}
        for fid, fact in added:
            by_key.setdefault(fact.key, []).append((fid, fact))
        for pairs in by_key.values():
            pairs.sort(key=_pair_order)
        order = _stored_order(conn.dialect.name)
        for chunk in _chunks(sorted(by_key), _IN_CHUNK):
            # Per chunk of keys, so that what is held is one chunk's ids (on a migrated
            # database, every row of those keys is marked until this sorts them out).
            mark: list[str] = []
            unmark: list[str] = []
            query = (
                select(FactRow)
                .where(FactRow.topic == topic, FactRow.kept == true(), FactRow.key.in_(chunk))
                .order_by(FactRow.key, *order)
            )
            seen: set[str] = set()
            with Session(bind=conn) as session:
                rows = session.execute(query.execution_options(yield_per=2000)).scalars()
                for key, group in itertools.groupby(rows, key=lambda r: r.key):
                    seen.add(key)
                    marked: list[str] = []
                    keep = kept_of_key(
                        heapq.merge(_read(group, marked), by_key[key], key=_pair_order)
                    )
                    unmark.extend(fid for fid in marked if fid not in keep)
                    mark.extend(fid for fid, _ in by_key[key] if fid in keep)
            for key in chunk:
                if key not in seen:  # the key's first observations
                    keep = kept_of_key(by_key[key])
                    mark.extend(fid for fid, _ in by_key[key] if fid in keep)
            for ids, value in ((unmark, False), (mark, True)):
                for part in _chunks(ids, _IN_CHUNK):
                    conn.execute(update(_FACTS).where(_FACTS.c.id.in_(part)).values(kept=value))

    def _save_alerts(self, conn: Connection, result: RunResult) -> tuple[list[Alert], int]:
        """Insert the new alerts and the new sources of known ones; returns the new
        alerts and how many alerts from earlier runs got sources. An alert counts
        once a run: not when an earlier part of the same run created it, nor when
        an earlier part already counted it (its updated_at is from this run)."""
        alerts, sources = _ALERTS, _ALERT_SOURCES
        run_started = conn.scalar(select(RunRow.started_at).where(RunRow.id == result.run_id))
        created: list[Alert] = []
        updated = 0
        # A chunk of alerts at a time: an alert may have hundreds of sources, and
        # those stored already are read to be skipped.
        for chunk in _chunks(result.alerts, _ALERT_CHUNK):
            ids = list(dict.fromkeys(a.id for a in chunk))
            stored = select(alerts.c.id, alerts.c.first_run_id, alerts.c.updated_at).where(
                alerts.c.id.in_(ids)
            )
            known = {i: (first_run, at) for i, first_run, at in conn.execute(stored)}
            have: dict[str, set[str]] = {i: set() for i in ids}  # the sources' URLs
            query = select(sources.c.alert_id, sources.c.url).where(sources.c.alert_id.in_(ids))
            for alert_id, url in conn.execute(query):
                have[alert_id].add(url)
            new: dict[str, Alert] = {}
            touched: dict[str, None] = {}  # stored alerts that get sources, once each
            pending: list[tuple[str, Source]] = []
            for alert in chunk:
                if alert.id not in known:
                    known[alert.id] = (result.run_id, result.finished_at)
                    new[alert.id] = alert
                urls = have[alert.id]
                for source in alert.sources:
                    if source.url not in urls:
                        urls.add(source.url)
                        pending.append((alert.id, source))
                        if alert.id not in new:
                            touched[alert.id] = None
            if new:
                conn.execute(insert(alerts), [_alert_values(result, a) for a in new.values()])
            _insert_many(conn, sources, (_source_values(i, s) for i, s in pending))
            if touched:
                conn.execute(
                    update(alerts)
                    .where(alerts.c.id.in_(list(touched)))
                    .values(updated_at=result.finished_at)
                )
            created.extend(new.values())
            # Counted where an earlier run created the alert and no earlier part of
            # this run has already added to it.
            updated += sum(
                1
                for i in touched
                if known[i][0] != result.run_id
                and (run_started is None or known[i][1] < run_started)
            )
        return created, updated

    def _save_changes(self, conn: Connection, result: RunResult) -> None:
        def rows() -> Iterator[dict[str, Any]]:
            # Made as they are written: a run may hold tens of thousands of changes.
            for chunk in _chunks(result.changes, _INSERT_CHUNK):
                fact_ids = _FactIds()
                for change in chunk:
                    fact_id, key = fact_ids(change.observed)
                    yield {
                        "run_id": result.run_id,
                        "topic": result.topic,
                        "kind": change.kind.value,
                        "key": key,
                        "fact_id": fact_id,
                        "other_fact_id": fact_ids(change.other)[0] if change.other else None,
                        # serialised here, once, with str() for what JSON has no type
                        # for (Decimals, dates)
                        "details": json.dumps(dict(change.details), default=str),
                        "alert_id": None,
                    }

        _insert_many(conn, _CHANGES, rows())

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

    def alerts_by_id(self, ids: Sequence[str], *, sources: int | None = None) -> list[Alert]:
        """The stored alerts among ``ids``, in that order, each once: one query per 500
        ids, where ``alert`` per id would make two per alert.

        ``sources`` keeps each alert's first sources only (in the order ``alert``
        gives them), chosen by the database: an alert read in every article of a
        backlog has thousands, and reading them all for a report that shows ten cost
        345 MB and 5 s at 10,000 articles (docs/benchmarks.md). ``source_counts``
        counts the rest.
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Alert] = {}
        with Session(self.engine) as session:
            for chunk in _chunks(wanted, _IN_CHUNK):
                rows = list(session.scalars(select(AlertRow).where(AlertRow.id.in_(chunk))))
                read = self._sources(session, [r.id for r in rows], first=sources)
                found.update((r.id, self._alert(r, read.get(r.id, []))) for r in rows)
        return [found[i] for i in wanted if i in found]

    def source_counts(self, ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """alert id -> (its sources, the reprints among them), counted by the database."""
        src = AlertSourceRow
        out: dict[str, tuple[int, int]] = {}
        with Session(self.engine) as session:
            for chunk in _chunks(dict.fromkeys(ids), _IN_CHUNK):
                query = (
                    select(src.alert_id, func.count(), func.count(ArticleRow.reprint_of))
                    .join(AlertRow, AlertRow.id == src.alert_id)
                    .outerjoin(ArticleRow, _reprint_join())
                    .where(src.alert_id.in_(chunk))
                    .group_by(src.alert_id)
                )
                out.update((a, (int(n), int(r))) for a, n, r in session.execute(query))
        return out

    def alert(self, alert_id: str) -> Alert | None:
        with Session(self.engine) as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                return None
            return self._alert(row, self._sources(session, [alert_id]).get(alert_id, []))

    @staticmethod
    def _sources(
        session: Session, ids: Sequence[str], *, first: int | None = None
    ) -> dict[str, list[Source]]:
        """Each alert's sources (its ``first`` ones, if given), with the article each
        reprints (if it is a reprint).

        Columns, not ORM objects: an alert read in every article has thousands of
        sources, and an ORM instance each cost ~30 us (1.3 s for the bench's 40k).
        """
        out: dict[str, list[Source]] = {}
        src = AlertSourceRow
        columns = (
            src.alert_id,
            src.url,
            src.outlet,
            src.published,
            src.quote,
            src.fact_id,
            ArticleRow.reprint_of,
        )
        for i in range(0, len(ids), 500):
            query: Any = (
                select(*columns)
                .join(AlertRow, AlertRow.id == src.alert_id)
                .outerjoin(ArticleRow, _reprint_join())
                .where(src.alert_id.in_(ids[i : i + 500]))
            )
            if first is not None:
                query = _first_per_alert(session.get_bind().dialect.name, query, first)
            for alert_id, url, outlet, published, quote, fact_id, reprint_of in session.execute(
                query
            ):
                source = Source(url, outlet, published, quote, fact_id, reprint_of)
                out.setdefault(alert_id, []).append(source)
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
