"""The monitor flow: fetch feeds → keep new on-topic entries → fetch pages →
extract → compare → save (one transaction per part of up to articles_per_part new
articles, so memory stays flat however many there are) → deliver → report.

Tasks are coarse (one per feed, one per batch of articles) because each task
run costs Prefect's API about 30 ms (docs/ARCHITECTURE.md). The steps live in
flows/steps.py as plain functions; this module only orders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from alerts import FeedHealth, ReportData, SmtpChannel, WebhookChannel
from facts.model import Fact
from flows import steps
from flows.config import FeedConfig, Settings, Topic, load_baseline_facts, load_topic
from flows.delivery import DeliverySummary, Senders, channel_policies, deliver_due
from flows.heap import part_done, run_heap
from storage import FeedState, RunBusy, RunResult, SavedRun

# Inputs carry an HTTP client and an engine: nothing to hash or cache.
_TASK = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="fetch-feed", **_TASK)  # type: ignore[call-overload]
def fetch_feed(rt: steps.Runtime, feed: FeedConfig, state: FeedState | None) -> steps.FeedFetch:
    return steps.fetch_feed(rt, feed, state)


@task(name="select-new-entries", **_TASK)  # type: ignore[call-overload]
def select_new_entries(
    rt: steps.Runtime, topic: Topic, fetches: list[steps.FeedFetch]
) -> list[steps.NewEntry]:
    return steps.select_new_entries(rt, topic, fetches)


@task(name="fetch-and-extract-articles", **_TASK)  # type: ignore[call-overload]
def fetch_and_extract(
    rt: steps.Runtime, topic: Topic, batch: list[steps.NewEntry]
) -> steps.Extracted:
    return steps.extract_pages(topic, steps.fetch_pages(rt, batch), rt.extractor)


@task(name="compare-with-baseline", **_TASK)  # type: ignore[call-overload]
def compare_with_baseline(
    rt: steps.Runtime,
    topic: Topic,
    baseline: list[Fact],
    extracted: list[steps.Extracted],
    feeds: list[FeedHealth],
    final: bool = True,
) -> steps.Comparison:
    return steps.compare_from_store(rt.store, topic, baseline, extracted, feeds, final=final)


# No retries: the save is one transaction, so a failed save stored nothing and the next
# run does the work again; a retry after a commit whose answer was lost would store
# the part's changes a second time.
@task(name="save-results", **_TASK)  # type: ignore[call-overload]
def save_results(rt: steps.Runtime, result: RunResult) -> SavedRun:
    return rt.store.save_run(result)


@task(name="deliver-alerts", **_TASK)  # type: ignore[call-overload]
def deliver_alerts(rt: steps.Runtime, topic: Topic) -> DeliverySummary:
    # No task retries: each delivery carries its own schedule in the outbox.
    return deliver_due(
        topic,
        rt.store,
        rt.outbox,
        Senders(SmtpChannel(), WebhookChannel(rt.client)),
        allow_private_networks=rt.settings.allow_private_networks,
        lease_s=rt.settings.delivery_lease_s,
    )


@task(name="write-report", **_TASK)  # type: ignore[call-overload]
def write_report(
    rt: steps.Runtime, topic: Topic, run_id: int, data: ReportData
) -> steps.ReportFiles:
    files = steps.write_report(rt, topic, run_id, data)
    key = "".join(c if c.isalnum() else "-" for c in topic.name.lower())
    create_markdown_artifact(
        steps.artifact_markdown(files), key=f"{key}-report", description=topic.config.title
    )
    create_table_artifact(
        [
            {"severity": a.severity.value, "kind": a.kind.value, "subject": a.subject,
             "summary": a.summary, "sources": data.sources_of(a)}
            for a in data.alerts[: steps.ARTIFACT_MAX_ROWS]
        ],
        key=f"{key}-alerts",
    )  # fmt: skip
    return files


@dataclass(frozen=True)
class MonitorOutcome:
    run_id: int
    saved: SavedRun
    delivered: DeliverySummary
    alert_ids: tuple[str, ...]
    errors: tuple[str, ...]
    report_html: Path
    report_markdown: Path


def _batches(items: list[steps.NewEntry], size: int) -> list[list[steps.NewEntry]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# Four batches in flight: while worker processes extract two (one per core on the
# benchmark machine), two more are fetching. More threads than that only add GIL
# contention where a small run extracts in-process (docs/benchmarks.md).
_RUNNER: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=4)


@flow(name="monitor", validate_parameters=False, task_runner=_RUNNER)  # type: ignore[arg-type]
def monitor(
    topic_dir: str,
    feed_urls: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
) -> MonitorOutcome | None:
    """One pass over a topic; None when it was skipped.

    Parameters are plain JSON so a deployment can carry them. feed_urls
    overrides feed addresses by feed name (the demo serves its feed on a free
    port); settings overrides fields of Settings, which otherwise come from the
    PLEDGEWATCH_* environment.
    """
    logger = get_run_logger()
    # Configuration errors surface here, before anything is fetched or stored.
    topic = load_topic(topic_dir)
    if feed_urls:
        topic = steps.with_feed_urls(topic, feed_urls)
    baseline = load_baseline_facts(topic)
    rt = steps.build_runtime(Settings(**(settings or {})))
    try:
        last = rt.store.last_run_start(topic.name)
        scheduled = flow_run.scheduled_start_time
        if steps.already_covered(scheduled, last):
            logger.info("skipping %s: run of %s already done at %s", topic.name, scheduled, last)
            return None
        try:
            run_id = rt.store.start_run(topic.name, lease_s=rt.settings.run_lease_s)
        except RunBusy as busy:
            logger.warning("skipping: %s", busy)
            return None
        try:
            with run_heap():
                return _run(rt, topic, baseline, run_id)
        except BaseException as exc:
            rt.store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
            raise
    finally:
        rt.close()


def _run(rt: steps.Runtime, topic: Topic, baseline: list[Fact], run_id: int) -> MonitorOutcome:
    logger = get_run_logger()
    states = rt.store.feed_states(topic.name)
    retrying_fetch = fetch_feed.with_options(
        retries=rt.settings.feed_retries, retry_delay_seconds=rt.settings.retry_delay_s
    )
    futures = [
        (feed, retrying_fetch.submit(rt, feed, states.get(feed.url))) for feed in topic.config.feeds
    ]
    fetches: list[steps.FeedFetch] = []
    for feed, future in futures:
        try:
            fetches.append(future.result())
        except Exception as exc:  # one failing source never stops the run: record it
            logger.warning("feed %s failed: %s", feed.url, exc)
            fetches.append(steps.failed_feed(feed, exc))

    new_entries = select_new_entries(rt, topic, fetches)
    rt.extractor.start_for(len(new_entries))
    health = steps.feed_health(states, fetches)
    channels = channel_policies(topic)
    size = rt.settings.article_batch_size
    parts = steps.parts(new_entries, rt.settings.articles_per_part)
    tally = steps.RunTally()

    def submit(part: list[steps.NewEntry]) -> list[PrefectFuture[steps.Extracted]]:
        return [fetch_and_extract.submit(rt, topic, batch) for batch in _batches(part, size)]

    pending = submit(parts[0])
    for number in range(1, len(parts) + 1):
        final = number == len(parts)
        extracted = [f.result() for f in pending]
        # The next part fetches and extracts while this one is compared and saved.
        pending = [] if final else submit(parts[number])
        # quote(): Prefect walks task inputs looking for futures; these are large
        # (a RunResult of 300 articles took 1.1 s to walk) and hold none.
        comparison = compare_with_baseline(
            rt, topic, quote(baseline), quote(extracted), quote(health if final else []), final
        )
        result = steps.run_result(
            run_id, topic, fetches if final else [], extracted, comparison, channels, final=final
        )
        tally.add(result, comparison, save_results(rt, quote(result)))
        del extracted, comparison, result  # a part's results go once saved
        if not final:
            part_done()
    delivered = deliver_alerts(rt, topic)
    data = steps.report_data(
        rt, topic, tally.alert_ids, tally.confirmations, [f.outcome for f in fetches], tally.errors,
        tally.saved,
    )  # fmt: skip
    files = write_report(rt, topic, run_id, quote(data))
    for error in tally.errors:
        logger.warning("source failed: %s: %s", error.source, error.message)
    return MonitorOutcome(
        run_id=run_id,
        saved=tally.saved,
        delivered=delivered,
        alert_ids=tuple(tally.alert_ids),
        errors=tuple(f"{e.source}: {e.message}" for e in tally.errors),
        report_html=files.html,
        report_markdown=files.markdown,
    )
