"""The `pledgewatch` command line.

Prefect is imported only by the commands that run a flow, after the offline
settings below are in the environment (Prefect reads them at import).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from alerts import (
    ReportData,
    SmtpChannel,
    WebhookChannel,
    alert_to_dict,
    render_html,
    render_markdown,
)
from facts.compare import UNKNOWN_SUBJECT
from facts.extract import extract_facts, first_per_key
from facts.model import Alert, ChangeKind, Severity
from facts.serialize import fact_to_dict
from flows.config import (
    PREFECT_OFFLINE,
    ConfigError,
    Settings,
    baseline_texts,
    load_baseline_facts,
    load_topic,
)
from flows.delivery import DeliverySummary, Senders, deliver_due, send_test
from flows.evaluation import DEFAULT_CORPUS, EvalSplit, evaluate
from flows.evaluation import render_table as render_evaluation
from flows.evaluation import to_json as evaluation_json
from flows.steps import Runtime, build_runtime
from storage import DeliveryState, Store

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TOPIC = REPO_ROOT / "seeds" / "india-russia-summit"

app = typer.Typer(help="Watch news on a topic; alert when figures or commitments move.")
alerts_app = typer.Typer(help="List and show alerts.")
facts_app = typer.Typer(help="Export stored facts.")
baseline_app = typer.Typer(help="The topic's baseline facts.")
runs_app = typer.Typer(help="Monitor runs.")
audit_app = typer.Typer(help="The audit log of review actions.")
app.add_typer(audit_app, name="audit")
deliveries_app = typer.Typer(help="The outbox: alert emails and webhooks.")
app.add_typer(deliveries_app, name="deliveries")
app.add_typer(alerts_app, name="alerts")
app.add_typer(facts_app, name="facts")
app.add_typer(baseline_app, name="baseline")
app.add_typer(runs_app, name="runs")

console = Console()
err = Console(stderr=True)


class ReportFormat(StrEnum):
    md = "md"
    html = "html"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


TopicOption = Annotated[Path, typer.Option("--topic", help="Topic folder (with topic.toml).")]


def _prefect_offline() -> None:
    for name, value in PREFECT_OFFLINE.items():
        os.environ.setdefault(name, value)


@contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    with _runtime(settings) as rt:
        yield rt.store


@contextmanager
def _runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    try:
        yield rt
    finally:
        rt.close()


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _fail(f"--since {value!r} is not a date (YYYY-MM-DD or an ISO time)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fail(message: str) -> typer.Exit:
    err.print(f"error: {message}", style="red", markup=False, highlight=False)
    return typer.Exit(code=2)


def _settings() -> Settings:
    return Settings()


@app.command()
def run(topic: TopicOption) -> None:
    """Run the monitor once over a topic."""
    _prefect_offline()
    from flows.monitor import monitor

    try:
        _settings()  # a bad PLEDGEWATCH_* value fails here, before Prefect starts
        outcome = monitor(topic_dir=str(topic))
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    _print_outcome(outcome)


@app.command()
def demo(
    topic: TopicOption = DEFAULT_TOPIC,
) -> None:
    """Serve the topic's offline demo feed on 127.0.0.1 and run the monitor on it."""
    _prefect_offline()
    from flows.demo import serve_folder
    from flows.monitor import monitor

    # The demo's feed and pages are on loopback, which the fetch guard refuses
    # unless private addresses are allowed explicitly.
    settings = _settings().model_copy(update={"allow_private_networks": True})
    try:
        loaded = load_topic(topic)
        # The configured port when it is free keeps article URLs stable between demo runs.
        port = _demo_port(loaded.config.feeds[0].url if loaded.config.feeds else "")
        with serve_folder(topic / "demo", port) as base_url:
            feed_urls = {f.name: f"{base_url}/feed.xml" for f in loaded.config.feeds}
            console.print(f"Serving the demo feed at {base_url}/feed.xml")
            outcome = monitor(
                topic_dir=str(topic),
                feed_urls=feed_urls,
                settings={"allow_private_networks": True},
            )
    except (ConfigError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from exc
    _print_outcome(outcome)
    with _store(settings) as store:
        _alerts_table([a for a in store.alerts(loaded.name)], title=f"Alerts for {loaded.name}")
    console.print(f"Database: {settings.resolved_database_url()}")


def _demo_port(url: str) -> int:
    from urllib.parse import urlsplit

    return urlsplit(url).port or 0


def _print_outcome(outcome: object) -> None:
    from flows.monitor import MonitorOutcome

    if outcome is None:
        console.print("Skipped: another run of this topic is in progress or already covered it")
        return
    assert isinstance(outcome, MonitorOutcome)
    saved = outcome.saved
    console.print(
        f"Run {outcome.run_id}: {saved.articles_new} new articles, {saved.facts_new} new facts, "
        f"{saved.alerts_new} new alerts, {saved.alerts_updated} alerts with new sources"
    )
    for error in outcome.errors:
        err.print(f"source failed: {error}", style="yellow", highlight=False, markup=False)
    console.print(f"Report: {outcome.report_html}\n        {outcome.report_markdown}")
    if outcome.delivered.attempted:
        _print_delivery(outcome.delivered)


def _alerts_table(alerts: list[Alert], title: str) -> None:
    table = Table(title=title)
    table.add_column("id", no_wrap=True)
    table.add_column("severity")
    table.add_column("kind")
    table.add_column("change", overflow="fold", ratio=1)
    table.add_column("sources", justify="right")
    for a in alerts:
        reprints = len(a.sources) - a.independent_sources
        sources = f"{len(a.sources)}" + (f" ({reprints} reprint)" if reprints else "")
        # Text cells: article text must not be read as console markup ("[bold]").
        table.add_row(a.id, a.severity.value, a.kind.value, Text(a.summary), sources)
    console.print(table)


@alerts_app.command("list")
def alerts_list(
    topic: Annotated[str | None, typer.Option(help="Topic name.")] = None,
    severity: Annotated[Severity | None, typer.Option(help="Only this severity.")] = None,
    kind: Annotated[ChangeKind | None, typer.Option(help="Only this kind.")] = None,
    since: Annotated[str | None, typer.Option(help="Raised on or after (YYYY-MM-DD).")] = None,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """List stored alerts, most severe first."""
    after = _since(since)
    with _store(_settings()) as store:
        alerts = store.alerts(topic, severity=severity, kind=kind, since=after)
    if format is ListFormat.json:
        print(json.dumps([alert_to_dict(a) for a in alerts], indent=2, ensure_ascii=False))
    else:
        _alerts_table(alerts, title="Alerts")


@alerts_app.command("show")
def alerts_show(
    alert_id: Annotated[str, typer.Argument(help="Alert id (a_...).")],
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """Show one alert with its evidence."""
    with _store(_settings()) as store:
        alert = store.alert(alert_id)
    if alert is None:
        raise _fail(f"no alert with id {alert_id}")
    if format is ListFormat.json:
        print(json.dumps(alert_to_dict(alert), indent=2, ensure_ascii=False))
        return
    console.print(alert.summary, style="bold", highlight=False, markup=False)
    console.print(f"{alert.severity.value} · {alert.kind.value} · {alert.id}", markup=False)
    if alert.baseline_quote:
        console.print(
            f"\nBaseline ({alert.baseline_value}):\n  {alert.baseline_quote}", markup=False
        )
    console.print(f"\nObserved ({alert.observed_value}):\n  {alert.observed_quote}", markup=False)
    console.print("\nSources:", markup=False)
    for s in alert.sources:
        console.print(f"  {s.published or '????-??-??'}  {s.outlet}  {s.url}", markup=False)


ByOption = Annotated[
    str | None, typer.Option("--by", help="Who reviews (default: $USER), for the audit log.")
]


def _actor(by: str | None) -> str:
    return by or os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown"


@alerts_app.command("ack")
def alerts_ack(
    alert_id: Annotated[str, typer.Argument(help="Alert id (a_...).")], by: ByOption = None
) -> None:
    """Mark an alert reviewed (written to the audit log)."""
    with _store(_settings()) as store:
        if not store.acknowledge(alert_id, actor=_actor(by)):
            raise _fail(f"no alert with id {alert_id}")
    console.print(f"Acknowledged {alert_id}")


@facts_app.command("export")
def facts_export(
    topic: Annotated[str | None, typer.Option(help="Topic name.")] = None,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.json,
) -> None:
    """Print every stored fact as JSON."""
    if format is not ListFormat.json:
        raise _fail("facts export supports --format json")
    with _store(_settings()) as store:
        facts = store.facts(topic)
    print(json.dumps([fact_to_dict(f) for f in facts], indent=2, ensure_ascii=False))


@facts_app.command("show")
def facts_show(
    ident: Annotated[str, typer.Argument(help="Tracked fact (t_...), observation (f_...) or key.")],
    topic: Annotated[
        Path | None, typer.Option("--topic", help="Topic folder, for its baseline.")
    ] = DEFAULT_TOPIC,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """A tracked fact's timeline: baseline, accepted changes, every observation."""
    from flows.review import ReviewError, ledger, ledger_lines

    try:
        loaded = load_topic(topic) if topic is not None else None
        with _store(_settings()) as store:
            entry = ledger(store, loaded, ident)
    except (ConfigError, ReviewError) as exc:
        raise _fail(str(exc)) from exc
    if format is ListFormat.json:
        print(json.dumps(entry.to_dict(), indent=2, ensure_ascii=False))
        return
    for line in ledger_lines(entry):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@baseline_app.command("diff")
def baseline_diff(topic: TopicOption) -> None:
    """What the newest evidence would change in the baseline (nothing is written)."""
    from alerts import SeverityRules, build_alerts
    from flows.review import baseline_diff as diff

    try:
        loaded = load_topic(topic)
        with _store(_settings()) as store:
            changes = diff(store, loaded)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    if not changes:
        console.print("The baseline matches the newest evidence.")
        return
    rules = SeverityRules.from_mapping(loaded.config.alerts.severity)
    for alert in build_alerts(loaded.name, changes, rules):
        console.print(
            f"{alert.kind.value:15} {alert.summary}  [{alert.source.outlet}, "
            f"{alert.source.published or '?'}]",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@baseline_app.command("accept")
def baseline_accept(
    alert_id: Annotated[str, typer.Argument(help="Alert id (a_...) whose value to accept.")],
    topic: TopicOption = DEFAULT_TOPIC,
    by: ByOption = None,
) -> None:
    """Make an alert's observed value the baseline (the old value stays in the history)."""
    from flows.review import ReviewError, accept

    try:
        loaded = load_topic(topic)
        with _store(_settings()) as store:
            alert = store.alert(alert_id)
            if alert is None:
                raise ReviewError(f"no alert with id {alert_id}")
            fact = accept(store, loaded, alert, actor=_actor(by))
    except (ConfigError, ReviewError) as exc:
        raise _fail(str(exc)) from exc
    console.print(f"Accepted into the baseline: {fact.key} = {alert.observed_value}", markup=False)


@audit_app.command("list")
def audit_list(
    topic: Annotated[str | None, typer.Option(help="Topic name.")] = None,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """Review actions, newest first: who acknowledged or accepted what, and when."""
    with _store(_settings()) as store:
        entries = store.audit_log(topic)
    rows = [
        {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "topic": e.topic,
         "target": e.target, "details": e.details}
        for e in entries
    ]  # fmt: skip
    if format is ListFormat.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        console.print(
            f"{r['at']}  {r['actor']}  {r['action']}  {r['target']}", markup=False, highlight=False
        )


@app.command()
def report(
    topic: TopicOption,
    format: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.html,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Alerts raised on or after (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Render a change report of a topic's stored alerts."""
    after = _since(since)
    try:
        loaded = load_topic(topic)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    with _store(_settings()) as store:
        alerts = store.alerts(loaded.name, since=after)
        counts = store.counts(loaded.name)
    data = ReportData(
        topic=loaded.name,
        title=loaded.config.title,
        generated_at=datetime.now(UTC),
        alerts=alerts,
        confirmations=[],
        sources_ok=[],
        source_errors=[],
        articles_new=counts["articles"],
        facts_new=counts["facts"],
    )
    text = render_markdown(data) if format is ReportFormat.md else render_html(data)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output}")


@baseline_app.command("extract")
def baseline_extract(
    topic: TopicOption,
    write: Annotated[bool, typer.Option(help="Write the topic's baseline facts file.")] = False,
) -> None:
    """Extract the baseline's facts (print them, or --write the file to review and commit)."""
    try:
        loaded = load_topic(topic)
        texts = baseline_texts(loaded)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    cfg = loaded.config.baseline
    facts = []
    for _name, text in texts:
        facts.extend(
            extract_facts(
                text, url=cfg.url, outlet=cfg.outlet, published=cfg.published,
                vocabulary=loaded.vocabulary,
            )
        )  # fmt: skip
    # A fact with no subject can never be matched, so it has no place in a baseline.
    kept = [f for f in first_per_key(facts) if f.subject != UNKNOWN_SUBJECT]
    payload = json.dumps([fact_to_dict(f) for f in kept], indent=2, ensure_ascii=False)
    if write:
        path = loaded.path(cfg.facts)
        path.write_text(payload + "\n", encoding="utf-8")
        console.print(f"Wrote {path}: review it before committing")
    else:
        print(payload)


@baseline_app.command("show")
def baseline_show(topic: TopicOption) -> None:
    """Print the checked-in baseline facts."""
    try:
        facts = load_baseline_facts(load_topic(topic))
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    print(json.dumps([fact_to_dict(f) for f in facts], indent=2, ensure_ascii=False))


@app.command()
def serve(
    topic: TopicOption,
    interval: Annotated[
        float | None, typer.Option(help="Seconds between runs (overrides [schedule]).", min=1)
    ] = None,
) -> None:
    """Run the monitor on the topic's schedule until Ctrl-C or SIGTERM.

    Without PREFECT_API_URL, a Prefect server is started on 127.0.0.1 for the purpose.
    """
    _prefect_offline()
    from flows.serve import ServerStartError, serve_topic

    settings = _settings()
    # Flow runs happen in subprocesses: hand them absolute paths.
    os.environ["PLEDGEWATCH_DATA_DIR"] = str(settings.data_dir.resolve())
    try:
        loaded = load_topic(topic)
        console.print(f"Serving {loaded.name}; Ctrl-C stops.")
        serve_topic(
            loaded, interval_s=interval, prefect_home=settings.data_dir.resolve() / "prefect-server"
        )
    except (ConfigError, ServerStartError) as exc:
        raise _fail(str(exc)) from exc


@app.command()
def deploy(
    pool: Annotated[str, typer.Option(help="Prefect work pool (type process).")],
    topic: Annotated[
        list[Path] | None,
        typer.Option(help="Topic folder; repeat. Default: every topic in seeds/."),
    ] = None,
) -> None:
    """Deploy the monitor of each topic to a work pool on the configured Prefect server."""
    _prefect_offline()
    from flows.serve import deploy_topics

    folders = topic or sorted(p.parent for p in (REPO_ROOT / "seeds").glob("*/topic.toml"))
    try:
        names = deploy_topics([load_topic(f) for f in folders], pool=pool, source=REPO_ROOT)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    for name in names:
        console.print(f"Deployed {name} to pool {pool}")


@app.command()
def deliver(topic: TopicOption) -> None:
    """Send the topic's due alert emails and webhooks now, without fetching anything."""
    try:
        loaded = load_topic(topic)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    settings = _settings()
    with _runtime(settings) as rt, console.status("Delivering alerts..."):
        summary = deliver_due(
            loaded,
            rt.store,
            rt.outbox,
            Senders(SmtpChannel(), WebhookChannel(rt.client)),
            allow_private_networks=settings.allow_private_networks,
            lease_s=settings.delivery_lease_s,
        )
    _print_delivery(summary)


def _print_delivery(summary: DeliverySummary) -> None:
    console.print(
        f"Deliveries: {summary.delivered} delivered, {summary.retrying} to retry, "
        f"{summary.failed} failed, {summary.disabled} disabled"
    )
    for error in summary.errors:
        err.print(f"delivery: {error}", highlight=False, markup=False)


@deliveries_app.command("list")
def deliveries_list(
    topic: Annotated[str | None, typer.Option(help="Topic name.")] = None,
    state: Annotated[DeliveryState | None, typer.Option(help="Only this state.")] = None,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """Each delivery's state: attempts, last error, next try, delivered at."""
    with _runtime(_settings()) as rt:
        rows = rt.outbox.deliveries(topic, state)
    data = [
        {
            "id": d.id, "topic": d.topic, "channel": d.channel, "type": d.channel_type,
            "kind": d.kind, "alerts": list(d.alert_ids), "state": d.state.value,
            "attempts": d.attempts, "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at.isoformat(),
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
        }
        for d in rows
    ]  # fmt: skip
    if format is ListFormat.json:
        print(json.dumps(data, indent=2))
        return
    table = Table(title="Deliveries")
    for column in (
        "id",
        "channel",
        "kind",
        "state",
        "attempts",
        "last error",
        "next try / delivered",
    ):
        table.add_column(column, overflow="fold")
    for d in data:
        when = d["delivered_at"] if d["state"] == "delivered" else d["next_attempt_at"]
        shown_when = "" if d["state"] in ("failed", "disabled") else str(when)
        table.add_row(
            str(d["id"]), str(d["channel"]), str(d["kind"]), str(d["state"]),
            str(d["attempts"]), Text(str(d["last_error"] or "")), shown_when,
        )  # fmt: skip
    console.print(table)


@deliveries_app.command("enable")
def deliveries_enable(
    channel: Annotated[str, typer.Argument(help="A channel an endpoint disabled (HTTP 410).")],
    topic: Annotated[str, typer.Option(help="Topic name.")],
    by: ByOption = None,
) -> None:
    """Let a disabled channel receive new alerts again (audited)."""
    with _runtime(_settings()) as rt:
        if not rt.outbox.enable_channel(topic, channel):
            raise _fail(f"channel {channel} of topic {topic} is not disabled")
        rt.store.record_audit(_actor(by), "enable_channel", topic, channel)
    console.print(f"Enabled {channel}; messages marked disabled before stay so", markup=False)


@app.command("test-channel")
def test_channel(
    name: Annotated[str, typer.Argument(help="Channel name from the topic's [[alerts.channels]].")],
    topic: TopicOption,
) -> None:
    """Send a test alert through one channel, now, outside the outbox."""
    try:
        loaded = load_topic(topic)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    settings = _settings()
    with _runtime(settings) as rt:
        try:
            result = send_test(
                loaded,
                name,
                Senders(SmtpChannel(), WebhookChannel(rt.client)),
                allow_private_networks=settings.allow_private_networks,
            )
        except KeyError as exc:
            raise _fail(str(exc.args[0])) from exc
    if result.outcome != "delivered":
        raise _fail(f"{name}: {result.outcome}: {result.detail}")
    console.print(f"{name}: delivered")


@runs_app.command("list")
def runs_list(
    topic: Annotated[str | None, typer.Option(help="Topic name.")] = None,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """List monitor runs, newest first."""
    with _store(_settings()) as store:
        runs = store.runs(topic)
    rows = [
        {
            "id": r.id, "topic": r.topic, "state": r.state,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "feeds_fetched": r.feeds_ok, "feeds_failed": r.feeds_failed,
            "articles_new": r.articles_new, "facts": r.facts_new, "alerts": r.alerts_new,
            "errors": [{"source": e.source, "message": e.message} for e in r.errors],
            "report": r.report_path,
        }
        for r in runs
    ]  # fmt: skip
    if format is ListFormat.json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="Runs")
    for column in (
        "id",
        "topic",
        "state",
        "started_at",
        "articles_new",
        "facts",
        "alerts",
        "errors",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(
            *(
                str(r[c])
                for c in ("id", "topic", "state", "started_at", "articles_new", "facts", "alerts")
            ),
            str(len(r["errors"])),  # type: ignore[arg-type]
        )
    console.print(table)


@app.command("eval")
def eval_extraction(
    corpus: Annotated[
        Path | None, typer.Option(help="Labelled corpus folder (NNN-slug.txt + .expected.json).")
    ] = None,
    topic: TopicOption = DEFAULT_TOPIC,
    split: Annotated[
        EvalSplit, typer.Option(help="Articles to score: tune, heldout or all.")
    ] = EvalSplit.all,
    format: Annotated[ListFormat, typer.Option("--format")] = ListFormat.table,
) -> None:
    """Score the extractor against the labelled corpus (precision, recall, F1)."""
    try:
        result = evaluate(corpus or DEFAULT_CORPUS, topic, split.value)
    except ConfigError as exc:
        raise _fail(str(exc)) from exc
    if format is ListFormat.json:
        print(json.dumps(evaluation_json(result), indent=2, ensure_ascii=False))
    else:
        table = render_evaluation(result, title=f"Extraction quality ({split.value})")
        # Piped output would be cut to 80 columns; a terminal keeps its own width.
        (console if console.is_terminal else Console(width=120)).print(table)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"error: {exc}", style="red", markup=False, highlight=False)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
