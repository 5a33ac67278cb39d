"""The change report of one run, as Markdown and as one self-contained HTML file.

Rendering is pure: these functions return text; flows/ writes the files and the
Prefect artifact. All text that came from an article or a feed goes through
alerts.escape: cleaned of any markup first (``_cleaned``), then escaped; the only
markup in the output is our own.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from alerts.escape import clean_alert, clean_text, h, html_link, md_blockquote, md_link, md_text
from facts.model import SEVERITY_RANK, Alert, ChangeKind, Severity, Source, Status, tracked_id

# No scripts, no remote anything: the report is opened from disk or attached to an
# email, and an article's text must not be able to load or run code in it even if an
# escaping bug slipped through. 'unsafe-inline' only for the one <style> element.
# Written into the attribute as is: it is our constant and holds no double quote.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

_KIND_LABELS = {
    ChangeKind.FIGURE_CHANGED: "figure changed",
    ChangeKind.DEADLINE_MOVED: "deadline moved",
    ChangeKind.STATUS_CHANGED: "status changed",
    ChangeKind.NEW_COMMITMENT: "new commitment",
    ChangeKind.NEW_FIGURE: "new figure",
    ChangeKind.CONTRADICTION: "contradiction",
    ChangeKind.CONFIRMED: "confirmed",
}


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows; flows/ gathers it, this module only renders it."""

    topic: str
    title: str
    generated_at: datetime
    alerts: Sequence[Alert]
    confirmations: Sequence[tuple[str, int]]  # (subject, number of confirming sources)
    sources_ok: Sequence[str]
    source_errors: Sequence[tuple[str, str]]  # (source, message)
    articles_new: int
    facts_new: int
    # The fact ledger page beside the report (a relative file name), linked per alert.
    ledger_href: str | None = None
    # alert id -> (sources, reprints among them); where absent, counted from the alert's
    # sources before _cleaned cuts the lists.
    source_counts: Mapping[str, tuple[int, int]] = dataclasses.field(default_factory=dict)

    def counts_of(self, alert: Alert) -> tuple[int, int]:
        """(sources, reprints among them) of ``alert``: as the caller counted them (a
        store reads only the sources shown, and counts the rest), or from its list."""
        counted = self.source_counts.get(alert.id)
        if counted is not None:
            return counted
        return len(alert.sources), len(alert.sources) - alert.independent_sources

    def sources_of(self, alert: Alert) -> int:
        """How many sources ``alert`` has."""
        return self.counts_of(alert)[0]


# An alert read in hundreds of articles lists its first sources (the original, then by
# date) and says how many more there are: the report stays readable, and its size and
# rendering time stop growing with every article that repeats a figure.
SOURCES_SHOWN = 10


def _cleaned(data: ReportData) -> ReportData:
    """The report's text from sources (alerts, errors) without any markup in it, each
    alert's sources cut to SOURCES_SHOWN."""
    return dataclasses.replace(
        data,
        topic=clean_text(data.topic),
        title=clean_text(data.title),
        alerts=[
            clean_alert(dataclasses.replace(a, corroborating=a.corroborating[: SOURCES_SHOWN - 1]))
            for a in data.alerts
        ],
        source_counts={a.id: data.counts_of(a) for a in data.alerts},
        confirmations=[(clean_text(s), n) for s, n in data.confirmations],
        source_errors=[(clean_text(s), clean_text(m)) for s, m in data.source_errors],
    )


def _when(moment: datetime) -> str:
    text = moment.strftime("%Y-%m-%d %H:%M")
    zone = moment.tzname()
    return f"{text} {zone}" if zone else text


def _day(day: date | None) -> str:
    return day.isoformat() if day else "undated"


def _kind(alert: Alert) -> str:
    return _KIND_LABELS.get(alert.kind, str(alert.kind))


def _severity_counts(alerts: Sequence[Alert]) -> str:
    counts = Counter(a.severity for a in alerts)
    ordered = sorted(Severity, key=SEVERITY_RANK.__getitem__, reverse=True)
    return ", ".join(f"{counts[s]} {s.value}" for s in ordered if counts[s])


def _sides(alert: Alert) -> tuple[str, str]:
    """Headings for the two sentences: a contradiction has two sources, not a baseline."""
    if alert.kind is ChangeKind.CONTRADICTION:
        return "Other source", "This source"
    return "Baseline", "Observed"


# --- Markdown ----------------------------------------------------------------------


def _md_source(src: Source) -> str:
    reprint = " (reprint)" if src.reprint_of else ""
    return f"{md_link(src.outlet or src.url, src.url)}, {_day(src.published)}{reprint}"


def _sources_heading(alert: Alert, counts: Mapping[str, tuple[int, int]]) -> str:
    """ "Sources (3, of which 1 reprint)": reprints of one story are one source."""
    total, reprints = counts.get(alert.id, (len(alert.sources), 0))
    if not reprints:
        return "Sources" if total <= SOURCES_SHOWN else f"Sources ({total})"
    return f"Sources ({total}, of which {reprints} reprint{'s' * (reprints > 1)})"


def _hidden_sources(alert: Alert, counts: Mapping[str, tuple[int, int]]) -> int:
    total, _ = counts.get(alert.id, (len(alert.sources), 0))
    return max(0, total - len(alert.sources))


def _md_alert(number: int, alert: Alert, counts: Mapping[str, tuple[int, int]]) -> list[str]:
    left, right = _sides(alert)
    lines = [
        f"### {number}. {alert.severity.value.upper()}: {md_text(alert.summary)}",
        "",
        f"- Kind: {_kind(alert)}",
        f"- Subject: {md_text(alert.subject)}",
        f"- Alert id: {md_text(alert.id)}",
        "",
    ]
    if alert.baseline_quote is not None or alert.baseline_value is not None:
        lines += [f"**{left}** ({md_text(alert.baseline_value or 'no value')}):", ""]
        lines += [md_blockquote(alert.baseline_quote), ""]
    lines += [f"**{right}** ({md_text(alert.observed_value)}):", ""]
    heading = _sources_heading(alert, counts)
    lines += [md_blockquote(alert.observed_quote), "", f"{heading}:", ""]
    lines += [f"{i}. {_md_source(src)}" for i, src in enumerate(alert.sources, 1)]
    hidden = _hidden_sources(alert, counts)
    if hidden:
        # Alert ids are this program's own (a_ and hex digits): nothing to escape.
        lines += ["", f"and {hidden} more: `pledgewatch alerts show {alert.id}` lists them all"]
    return [*lines, ""]


def render_markdown(data: ReportData) -> str:
    """The report as CommonMark with GFM tables; safe to render with raw HTML enabled."""
    data = _cleaned(data)
    alerts = list(data.alerts)
    out = [
        f"# {md_text(data.title)}",
        "",
        f"Topic: {md_text(data.topic)} · generated {md_text(_when(data.generated_at))}",
        "",
        "## Run summary",
        "",
        f"- New articles: {data.articles_new}",
        f"- New facts: {data.facts_new}",
        f"- Alerts: {len(alerts)}" + (f" ({_severity_counts(alerts)})" if alerts else ""),
        f"- Confirmed baseline facts: {len(data.confirmations)}",
        f"- Feeds read: {len(data.sources_ok)}; failed sources: {len(data.source_errors)}",
        "",
        "## Alerts",
        "",
    ]
    if not alerts:
        out += ["No changes against the baseline in this run.", ""]
    else:
        out += ["| Severity | Kind | Subject | Change |", "| --- | --- | --- | --- |"]
        out += [
            f"| {a.severity.value} | {_kind(a)} | {md_text(a.subject)} | {md_text(a.summary)} |"
            for a in alerts
        ]
        out.append("")
        for number, alert in enumerate(alerts, 1):
            out += _md_alert(number, alert, data.source_counts)
    if data.confirmations:
        out += ["## Confirmed again", ""]
        out += [
            f"- {md_text(subject)}: {count} source{'s' if count != 1 else ''}"
            for subject, count in data.confirmations
        ]
        out.append("")
    if data.source_errors:
        out += ["## Source errors", ""]
        out += [f"- {md_text(src)}: {md_text(msg)}" for src, msg in data.source_errors]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --- HTML --------------------------------------------------------------------------

_STYLE = """
:root { color-scheme: light; --ink: #1d2329; --muted: #5b6670; --line: #d8dee4;
  --high: #b42318; --medium: #b54708; --low: #3b6e8f; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 0; }
h4 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); margin: 0 0 .25rem; }
.meta, .muted { color: var(--muted); }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem;
  border-bottom: 1px solid var(--line); }
th { font-size: .8rem; color: var(--muted); text-transform: uppercase; }
.badge { display: inline-block; min-width: 4.5em; text-align: center; font-size: .75rem;
  font-weight: 600; text-transform: uppercase; padding: .1rem .45rem; border-radius: 999px;
  border: 1px solid currentColor; }
.sev-high { color: var(--high); } .sev-medium { color: var(--medium); }
.sev-low { color: var(--low); }
.card { border: 1px solid var(--line); border-left: 4px solid currentColor;
  border-radius: 6px; padding: 1rem; margin: 1rem 0; break-inside: avoid; }
.card > * { color: var(--ink); }
.card header { display: flex; gap: .75rem; align-items: baseline; margin-bottom: .75rem; }
.compare { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.side { background: #f6f8fa; border-radius: 4px; padding: .6rem .8rem; }
.value { font-weight: 600; margin: 0 0 .4rem; }
blockquote { margin: 0; font-style: italic; }
mark { background: #fff3b0; color: inherit; padding: 0 .1em; }
ol.sources { margin: .25rem 0 0; padding-left: 1.4rem; }
.url { font-family: ui-monospace, monospace; font-size: .85em; word-break: break-all; }
.kind { color: var(--muted); font-size: .85rem; }
a { color: #0b5cad; }
@media (max-width: 40rem) { .compare { grid-template-columns: 1fr; } }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  .side, mark { background: none; } mark { font-weight: 700; text-decoration: underline; }
  a { color: inherit; } h2 { break-after: avoid; }
}
"""

# Numbers ("150", "2,032", "12.5") and the status words of the ladder: the tokens that
# differ between the two sentences are the change, so they are what gets <mark>ed.
_STATUS_WORDS = sorted((s.value.replace("_", " ") for s in Status), key=len, reverse=True)
_TOKEN = re.compile(
    r"\d(?:[\d,.]*\d)?|\b(?:" + "|".join(map(re.escape, _STATUS_WORDS)) + r")\b",
    re.IGNORECASE,
)


def _token_key(token: str) -> str:
    return token.replace(",", "").lower()


def _highlight(text: str, other: str | None) -> str:
    """Escaped text with the numbers and status words absent from `other` in <mark>.

    Each piece is escaped on its own, so no article text can end up inside a tag.
    """
    if not other:
        return h(text)
    known = {_token_key(m.group()) for m in _TOKEN.finditer(other)}
    out, pos = [], 0
    for m in _TOKEN.finditer(text):
        if _token_key(m.group()) not in known:
            out += [h(text[pos : m.start()]), f"<mark>{h(m.group())}</mark>"]
            pos = m.end()
    out.append(h(text[pos:]))
    return "".join(out)


def _html_day(day: date | None) -> str:
    if day is None:
        return '<span class="muted">undated</span>'
    return f'<time datetime="{day.isoformat()}">{day.isoformat()}</time>'


def _html_sources(sources: Sequence[Source]) -> str:
    items = [
        f"<li>{html_link(s.outlet or s.url, s.url)} {_html_day(s.published)}"
        + (' <span class="muted">(reprint)</span>' if s.reprint_of else "")
        + "</li>"
        for s in sources
    ]
    return '<ol class="sources">' + "".join(items) + "</ol>"


def _html_card(
    alert: Alert, counts: Mapping[str, tuple[int, int]], ledger_href: str | None = None
) -> str:
    left, right = _sides(alert)
    sev = alert.severity.value
    sides = []
    if alert.baseline_quote is not None or alert.baseline_value is not None:
        sides.append(
            f'<div class="side baseline"><h4>{left}</h4>'
            f'<p class="value"><mark>{h(alert.baseline_value or "no value")}</mark></p>'
            f"<blockquote>{_highlight(alert.baseline_quote or '', alert.observed_quote)}"
            "</blockquote></div>"
        )
    sides.append(
        f'<div class="side observed"><h4>{right}</h4>'
        f'<p class="value"><mark>{h(alert.observed_value)}</mark></p>'
        f"<blockquote>{_highlight(alert.observed_quote, alert.baseline_quote)}"
        "</blockquote></div>"
    )
    return (
        f'<article class="card sev-{sev}" id="alert-{h(alert.id)}">'
        f'<header><span class="badge sev-{sev}">{sev}</span>'
        f"<h3>{h(alert.summary)}</h3></header>"
        f'<p class="kind">{h(_kind(alert))} · {h(alert.subject)} · {h(alert.id)}'
        f"{_timeline_link(alert, ledger_href)}</p>"
        f'<div class="compare">{"".join(sides)}</div>'
        f"<h4>{h(_sources_heading(alert, counts))}</h4>{_html_sources(alert.sources)}"
        f"{_html_more(alert, counts)}</article>"
    )


def _html_more(alert: Alert, counts: Mapping[str, tuple[int, int]]) -> str:
    hidden = _hidden_sources(alert, counts)
    if not hidden:
        return ""
    return (
        f'<p class="muted">and {hidden} more: <code>pledgewatch alerts show {h(alert.id)}</code>'
        " lists them all</p>"
    )


def _timeline_link(alert: Alert, ledger_href: str | None) -> str:
    if not ledger_href or alert.key.startswith("source|"):
        return ""
    # Our own relative file name and a hex id: no source text in this href.
    return f' · <a href="{h(ledger_href)}#{tracked_id(alert.topic, alert.key)}">timeline</a>'


def _html_table(alerts: Sequence[Alert]) -> str:
    rows = [
        f'<tr><td><span class="badge sev-{a.severity.value}">{a.severity.value}</span></td>'
        f"<td>{h(_kind(a))}</td><td>{h(a.subject)}</td>"
        f'<td><a href="#alert-{h(a.id)}">{h(a.summary)}</a></td></tr>'
        for a in alerts
    ]
    return (
        "<table><thead><tr><th>Severity</th><th>Kind</th><th>Subject</th><th>Change</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def render_html(data: ReportData) -> str:
    """The report as one HTML file: inline CSS, no scripts, no remote resources."""
    data = _cleaned(data)
    alerts = list(data.alerts)
    summary = [
        ("New articles", str(data.articles_new)),
        ("New facts", str(data.facts_new)),
        ("Alerts", f"{len(alerts)}" + (f" ({_severity_counts(alerts)})" if alerts else "")),
        ("Confirmed baseline facts", str(len(data.confirmations))),
        ("Feeds read", str(len(data.sources_ok))),
        ("Sources failed", str(len(data.source_errors))),
    ]
    body = [
        f"<header><h1>{h(data.title)}</h1>"
        f'<p class="meta">Topic: {h(data.topic)} · generated '
        f'<time datetime="{h(data.generated_at.isoformat())}">'
        f"{h(_when(data.generated_at))}</time></p></header>",
        '<section><h2>Run summary</h2><dl class="summary">'
        + "".join(f"<dt>{h(k)}</dt><dd>{h(v)}</dd>" for k, v in summary)
        + "</dl></section>",
        "<section><h2>Alerts</h2>",
    ]
    if alerts:
        body.append(_html_table(alerts))
        body += [_html_card(a, data.source_counts, data.ledger_href) for a in alerts]
    else:
        body.append('<p class="muted">No changes against the baseline in this run.</p>')
    body.append("</section>")
    if data.confirmations:
        items = "".join(
            f"<li>{h(subject)}: {count} source{'s' if count != 1 else ''}</li>"
            for subject, count in data.confirmations
        )
        body.append(f"<section><h2>Confirmed again</h2><ul>{items}</ul></section>")
    if data.source_errors:
        items = "".join(
            f'<li>{h(src)}: <span class="muted">{h(msg)}</span></li>'
            for src, msg in data.source_errors
        )
        body.append(f"<section><h2>Source errors</h2><ul>{items}</ul></section>")
    return html_page(data.title, body)


def html_page(title: str, body: Sequence[str]) -> str:
    """A self-contained page around ``body`` (our own markup): CSP, inline CSS, no script."""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{h(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
