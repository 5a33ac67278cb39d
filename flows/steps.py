"""The monitor's steps as plain functions: each composes the rooms for one stage.

flows/monitor.py wraps them as Prefect tasks; tests call them directly. No
parsing, SQL or message formatting lives here, only the wiring between rooms.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from alerts import (
    FeedHealth,
    ReportData,
    SeverityRules,
    build_alerts,
    render_html,
    render_ledger_html,
    render_markdown,
    source_health_alerts,
)
from alerts.report import SOURCES_SHOWN
from facts.compare import (
    CompareOptions,
    compare,
    passed_deadlines,
    with_accepted,
)
from facts.matching import canonicalize
from facts.model import Alert, Change, ChangeKind, Fact
from facts.relevance import is_relevant
from facts.syndication import find_reprints
from flows.config import ConfigError, FeedConfig, Settings, Topic
from flows.extraction import Extractor, PageFailure, PageJob, extract_jobs
from flows.review import ledger_entries
from ingest import (
    FeedEntry,
    FetchLimits,
    IngestError,
    Resolver,
    canonical_url,
    fetch,
    is_transient,
    make_client,
    parse_feed,
)
from storage import (
    ArticleRecord,
    ChannelPolicy,
    FeedOutcome,
    FeedState,
    Outbox,
    RunResult,
    SavedRun,
    SourceError,
    Store,
    make_engine,
    migrate,
)


@dataclass(frozen=True)
class Runtime:
    """Everything a run needs from outside: built once, in one place."""

    settings: Settings
    store: Store
    outbox: Outbox
    client: httpx.Client
    extractor: Extractor
    resolver: Resolver | None = None

    def limits(self, max_bytes: int) -> FetchLimits:
        s = self.settings
        return FetchLimits(
            timeout_s=s.http_timeout_s, deadline_s=s.http_deadline_s, max_bytes=max_bytes
        )

    def close(self) -> None:
        self.extractor.close()
        self.client.close()
        self.store.engine.dispose()


def build_runtime(settings: Settings, *, resolver: Resolver | None = None) -> Runtime:
    engine = make_engine(settings.resolved_database_url())
    migrate(engine)
    # The one guarded client, for feeds, pages and webhooks: it checks every address
    # when it connects (ingest/transport.py), with the same setting and resolver.
    client = make_client(
        settings.user_agent,
        allow_private_networks=settings.allow_private_networks,
        resolver=resolver,
        deadline_s=settings.http_deadline_s,
    )
    extractor = Extractor(settings.resolved_extract_workers(), settings.extract_min_pages)
    return Runtime(settings, Store(engine), Outbox(engine), client, extractor, resolver)


def already_covered(scheduled: datetime | None, last_completed_start: datetime | None) -> bool:
    """Is a scheduled run redundant? Yes when a completed run started after the time it
    was scheduled for: runs missed while nothing was serving pile up in Prefect as late
    runs; the first to execute covers them all, so they are caught up once, not many times.
    An ad-hoc run is scheduled for "now" and is never covered."""
    return (
        scheduled is not None
        and last_completed_start is not None
        and last_completed_start > scheduled
    )


def with_feed_urls(topic: Topic, urls: Mapping[str, str]) -> Topic:
    """The topic with some feeds' addresses replaced, by feed name."""
    names = {f.name for f in topic.config.feeds}
    unknown = sorted(set(urls) - names)
    if unknown:
        raise ConfigError(f"{topic.directory / 'topic.toml'}: no feed named {', '.join(unknown)}")
    feeds = [FeedConfig(name=f.name, url=urls.get(f.name, f.url)) for f in topic.config.feeds]
    return replace(topic, config=topic.config.model_copy(update={"feeds": feeds}))


# -- feeds ------------------------------------------------------------------


@dataclass(frozen=True)
class FeedFetch:
    outcome: FeedOutcome
    entries: tuple[FeedEntry, ...] = ()
    warnings: tuple[str, ...] = ()


def fetch_feed(rt: Runtime, feed: FeedConfig, state: FeedState | None) -> FeedFetch:
    """Fetch and parse one feed. Raises IngestError so the task can retry it."""
    fetched = fetch(
        rt.client,
        feed.url,
        limits=rt.limits(rt.settings.max_feed_bytes),
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
        allow_private_networks=rt.settings.allow_private_networks,
        resolver=rt.resolver,
    )
    if fetched.not_modified:
        return FeedFetch(FeedOutcome(feed.name, feed.url, ok=True, status="not_modified"))
    parsed = parse_feed(
        fetched.body,
        source_url=feed.url,
        headers=fetched.headers,
        max_entries=rt.settings.max_entries_per_feed,
    )
    outcome = FeedOutcome(
        feed.name,
        feed.url,
        ok=True,
        status=str(fetched.status),
        etag=fetched.etag,
        last_modified=fetched.last_modified,
    )
    return FeedFetch(outcome, parsed.entries, parsed.warnings)


def fetch_feeds(
    rt: Runtime, feeds: Sequence[FeedConfig], states: Mapping[str, FeedState]
) -> list[FeedFetch]:
    """Each feed fetched once, in order; a failure is recorded, not raised. (The flow
    fetches each in a task of its own, with retries, and records failures the same way.)"""
    fetches = []
    for feed in feeds:
        try:
            fetches.append(fetch_feed(rt, feed, states.get(feed.url)))
        except Exception as exc:  # one failing source never stops the run
            fetches.append(failed_feed(feed, exc))
    return fetches


def failed_feed(feed: FeedConfig, error: BaseException) -> FeedFetch:
    message = str(error) if isinstance(error, IngestError) else f"{feed.url}: {error!r}"
    return FeedFetch(FeedOutcome(feed.name, feed.url, ok=False, status="error", error=message))


@dataclass(frozen=True)
class NewEntry:
    entry: FeedEntry
    url: str
    feed_url: str


def select_new_entries(rt: Runtime, topic: Topic, fetches: Sequence[FeedFetch]) -> list[NewEntry]:
    """Entries on topic that no earlier run stored, once each, in feed order."""
    candidates: dict[str, NewEntry] = {}
    for result in fetches:
        for entry in result.entries:
            url = canonical_url(entry.url)
            if url in candidates:
                continue
            if not is_relevant(f"{entry.title}\n{entry.summary}", topic.config.relevance.all_of):
                continue
            candidates[url] = NewEntry(entry, url, result.outcome.url)
    known = rt.store.known_entries(
        topic.name, [(url, c.entry.guid or None) for url, c in candidates.items()]
    )
    return [c for url, c in candidates.items() if url not in known]


# -- articles ---------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    new: NewEntry
    html: bytes


@dataclass(frozen=True)
class PageBatch:
    pages: tuple[Page, ...] = ()
    errors: tuple[SourceError, ...] = ()


def fetch_pages(rt: Runtime, entries: Sequence[NewEntry]) -> PageBatch:
    """Fetch a batch of article pages in parallel; a failing page is recorded, not raised.

    A page that failed for a passing reason (a timeout, a broken connection, a busy
    server's status: ``ingest.is_transient``) is fetched again after
    ``retry_delay_s``, up to ``page_retries`` times. A page that still failed is not
    stored, so the next run tries it again.
    """

    def one(new: NewEntry) -> Page | SourceError:
        retries = rt.settings.page_retries
        while True:
            try:
                fetched = fetch(
                    rt.client,
                    new.url,
                    limits=rt.limits(rt.settings.max_page_bytes),
                    allow_private_networks=rt.settings.allow_private_networks,
                    resolver=rt.resolver,
                )
            except IngestError as exc:
                if retries == 0 or not is_transient(exc):
                    return SourceError(new.url, str(exc))
                retries -= 1
                time.sleep(rt.settings.retry_delay_s)
                continue
            return Page(new, fetched.body)

    workers = max(1, min(rt.settings.fetch_workers, len(entries)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, entries))
    pages = tuple(r for r in results if isinstance(r, Page))
    errors = tuple(r for r in results if isinstance(r, SourceError))
    return PageBatch(pages, errors)


@dataclass(frozen=True)
class Extracted:
    articles: tuple[tuple[ArticleRecord, tuple[Fact, ...]], ...] = ()
    errors: tuple[SourceError, ...] = ()

    @property
    def facts(self) -> list[Fact]:
        return [f for _, facts in self.articles for f in facts]


def extract_pages(topic: Topic, batch: PageBatch, extractor: Extractor | None = None) -> Extracted:
    """Article text and facts for each page: in worker processes when ``extractor``
    has started them for this run (flows/extraction.py), else here."""
    jobs = [
        PageJob(
            url=page.new.url,
            feed_url=page.new.feed_url,
            html=page.html,
            guid=page.new.entry.guid,
            title=page.new.entry.title,
            published=page.new.entry.published,
        )
        for page in batch.pages
    ]
    results = (
        extractor.run(jobs, topic.vocabulary) if extractor else extract_jobs(jobs, topic.vocabulary)
    )
    articles: list[tuple[ArticleRecord, tuple[Fact, ...]]] = []
    errors = list(batch.errors)
    for job, result in zip(jobs, results, strict=True):
        if isinstance(result, PageFailure):
            errors.append(SourceError(result.url, result.message))
            continue
        content = result.content
        record = ArticleRecord(
            url=job.url,
            title=content.title,
            outlet=content.outlet,
            published=content.published.date() if content.published else None,
            text=content.text,
            content_hash=result.content_hash,
            simhash=result.simhash,
            guid=job.guid,
            feed_url=job.feed_url,
        )
        articles.append((record, result.facts))
    return Extracted(tuple(articles), tuple(errors))


# -- comparison, saving, reporting ------------------------------------------


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...] = ()
    alerts: tuple[Alert, ...] = ()
    # The run's articles as they are saved: facts matched to tracked subjects,
    # reprints marked.
    articles: tuple[tuple[ArticleRecord, tuple[Fact, ...]], ...] = ()


def compare_with_baseline(
    topic: Topic,
    baseline: Sequence[Fact],
    extracted: Sequence[Extracted],
    prior: Sequence[Fact],
    feeds: Sequence[FeedHealth] = (),
    fingerprints: Sequence[tuple[str, int]] = (),
    today: date | None = None,
    *,
    final: bool = True,
) -> Comparison:
    """Match the run's facts to tracked facts, compare them with the baseline, and
    build the alerts the changes, passed deadlines and the feeds' health call for.

    Passed deadlines are looked for in a run's last part only (``final``), when every
    part's word on each commitment is stored: a later part may say it was delivered.
    """
    articles = [a for batch in extracted for a in batch.articles]
    reprints = find_reprints(
        ((rec.url, rec.simhash) for rec, _ in articles if rec.simhash), fingerprints
    )
    observed = canonicalize(
        [f for _, facts in articles for f in facts], [*baseline, *prior], topic.tracked_subjects
    )
    matched = iter(observed)
    articles = [
        (replace(rec, reprint_of=reprints.get(rec.url)), tuple(next(matched) for _ in facts))
        for rec, facts in articles
    ]
    options = CompareOptions(
        contradiction_window_days=topic.config.compare.contradiction_window_days,
        tracked_subjects=topic.tracked_subjects,
    )
    changes = compare(baseline, observed, prior, options)
    if final:
        day = today or datetime.now(UTC).date()
        changes += passed_deadlines(baseline, [*prior, *observed], day)
    rules = SeverityRules.from_mapping(topic.config.alerts.severity)
    alerts = build_alerts(topic.name, changes, rules)
    alerts += source_health_alerts(
        topic.name,
        feeds,
        down_after=topic.config.alerts.source_down_after,
        rules=rules,
        at=datetime.now(UTC),
    )
    return Comparison(tuple(changes), tuple(alerts), tuple(articles))


def compare_from_store(
    store: Store,
    topic: Topic,
    checked_in: Sequence[Fact],
    extracted: Sequence[Extracted],
    feeds: Sequence[FeedHealth] = (),
    today: date | None = None,
    *,
    final: bool = True,
) -> Comparison:
    """compare_with_baseline with what the database knows: accepted baseline changes,
    earlier observations of the same keys, and the fingerprints of stored articles."""
    accepted = [change.fact for change in store.accepted_changes(topic.name)]
    baseline = with_accepted(checked_in, accepted)
    known_keys = [key for _, key in store.tracked(topic.name)]
    # Match first, against every stored key, so that a paraphrase of a fact seen in
    # an earlier run finds that fact's observations; then fetch those observations,
    # and every stored commitment's (for deadlines that passed with no new word).
    observed = [f for batch in extracted for f in batch.facts]
    matched = canonicalize(observed, baseline, topic.tracked_subjects, known_keys)
    keys = {f.key for f in matched} | {f.key for f in baseline}
    keys |= {key for key in known_keys if key.startswith("commitment|")}
    if observed:
        # The few stored rows a comparison needs, marked as each save goes.
        prior = store.needed_observations(topic.name, keys)
    else:
        # Nothing new: only passed deadlines can come out, and they read each
        # commitment's latest word, not its history.
        prior = store.latest_observations(topic.name, keys)
    return compare_with_baseline(
        topic, baseline, extracted, prior, feeds, store.fingerprints(topic.name), today, final=final
    )


def feed_health(states: Mapping[str, FeedState], fetches: Sequence[FeedFetch]) -> list[FeedHealth]:
    """Each feed's failures in a row before this run, with this run's outcome."""
    return [
        FeedHealth(
            url=f.outcome.url,
            name=f.outcome.name,
            failures_before=states[f.outcome.url].consecutive_failures
            if f.outcome.url in states
            else 0,
            ok=f.outcome.ok,
            error=f.outcome.error,
        )
        for f in fetches
    ]


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    html: Path
    markdown_text: str = field(repr=False, default="")


def parts(entries: Sequence[NewEntry], size: int) -> list[list[NewEntry]]:
    """A run's new entries in parts of ``size``, each compared and saved on its own
    (storage.RunResult); always at least one part, so a run with nothing new still
    saves its feeds' state.

    Each part is compared against the parts stored before it, as a later run would
    be: with more than one part, entries go oldest first (undated first, as the
    comparison orders them), so a value that moved is read in the order it moved.
    """
    size = max(1, size)
    if len(entries) > size:
        entries = sorted(entries, key=_published_order)
    return [list(entries[i : i + size]) for i in range(0, len(entries), size)] or [[]]


def _published_order(new: NewEntry) -> tuple[bool, float]:
    published = new.entry.published
    return (published is not None, published.timestamp() if published else 0.0)


@dataclass
class RunTally:
    """What a run's parts add up to: its counts, its alerts (once each), the
    confirmations and the sources that failed, for the report and the outcome."""

    saved: SavedRun = field(default_factory=lambda: SavedRun(0, 0, 0, 0, 0))
    alert_ids: list[str] = field(default_factory=list)
    # subject -> the URLs that confirmed it: all the report shows of confirmations.
    confirmations: dict[str, set[str]] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)

    def add(self, result: RunResult, comparison: Comparison, saved: SavedRun) -> None:
        self.saved = SavedRun(
            *(getattr(self.saved, f.name) + getattr(saved, f.name) for f in fields(SavedRun))
        )
        self.alert_ids = list(dict.fromkeys([*self.alert_ids, *(a.id for a in comparison.alerts)]))
        for change in comparison.changes:
            if change.kind is ChangeKind.CONFIRMED:
                urls = self.confirmations.setdefault(change.subject, set())
                urls.add(change.observed.evidence.url)
        self.errors += result.errors


def report_data(
    rt: Runtime,
    topic: Topic,
    alert_ids: Sequence[str],
    confirmations: Mapping[str, set[str]],
    feeds: Sequence[FeedOutcome],
    errors: Sequence[SourceError],
    saved: SavedRun,
) -> ReportData:
    """The report of a run: its alerts read back with the sources the report shows
    and the number of the rest, and its confirmations (subject -> URLs)."""
    return ReportData(
        topic=topic.name,
        title=topic.config.title,
        generated_at=datetime.now(UTC),
        alerts=rt.store.alerts_by_id(alert_ids, sources=SOURCES_SHOWN),
        source_counts=rt.store.source_counts(alert_ids),
        confirmations=sorted((s, len(urls)) for s, urls in confirmations.items()),
        sources_ok=[f.url for f in feeds if f.ok],
        source_errors=[(e.source, e.message) for e in errors],
        articles_new=saved.articles_new,
        facts_new=saved.facts_new,
    )


LEDGER_FILE = "ledger.html"
# Prefect refuses events over 1.5 MB; a report artifact is cut well below that and
# points at the full file.
ARTIFACT_MAX_CHARS = 500_000
ARTIFACT_MAX_ROWS = 500


def artifact_markdown(files: ReportFiles) -> str:
    text = files.markdown_text
    if len(text) <= ARTIFACT_MAX_CHARS:
        return text
    cut = text.rfind("\n", 0, ARTIFACT_MAX_CHARS)
    return text[:cut] + f"\n\n*(cut here; the full report is {files.markdown.resolve()})*\n"


def write_report(rt: Runtime, topic: Topic, run_id: int, data: ReportData) -> ReportFiles:
    """Write the run's report as Markdown and HTML, and the fact ledger page beside
    them (each HTML alert links to its fact's timeline there); remember where."""
    folder = rt.settings.resolved_reports_dir() / topic.name
    folder.mkdir(parents=True, exist_ok=True)
    ledger_path = folder / LEDGER_FILE
    # The ledger reads every stored observation of every alerted fact: rebuild it only
    # when the run stored something, so a run with nothing new stays cheap.
    if data.facts_new or data.alerts or not ledger_path.exists():
        ledger = render_ledger_html(topic.config.title, ledger_entries(rt.store, topic))
        ledger_path.write_text(ledger, encoding="utf-8")
    data = replace(data, ledger_href=LEDGER_FILE)
    markdown = render_markdown(data)
    stem = f"run-{run_id:05d}"
    md_path = folder / f"{stem}.md"
    html_path = folder / f"{stem}.html"
    md_path.write_text(markdown, encoding="utf-8")
    html_path.write_text(render_html(data), encoding="utf-8")
    rt.store.set_report_path(run_id, str(html_path.resolve()))
    return ReportFiles(md_path, html_path, markdown)


def run_result(
    run_id: int,
    topic: Topic,
    feeds: Sequence[FeedFetch],
    extracted: Sequence[Extracted],
    comparison: Comparison,
    channels: Sequence[ChannelPolicy] = (),
    *,
    final: bool = True,
) -> RunResult:
    """What the run saves; its articles come from the comparison (matched, reprints marked)."""
    errors = [
        SourceError(f.outcome.url, f.outcome.error or "failed") for f in feeds if not f.outcome.ok
    ]
    for batch in extracted:
        errors.extend(batch.errors)
    return RunResult(
        run_id=run_id,
        topic=topic.name,
        feeds=[f.outcome for f in feeds],
        articles=comparison.articles,
        changes=comparison.changes,
        alerts=comparison.alerts,
        errors=errors,
        channels=channels,
        final=final,
    )
