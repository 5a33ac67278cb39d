"""The fact ledger page: every tracked fact of a topic's alerts, as a timeline.

Each fact lists its latest observations (flows/review.py's LEDGER_ROWS) and says how
many earlier ones there are: a fact repeated by every article would otherwise make
the page, and the time to write it after every run, grow without end.

Pure: flows/ gathers the entries from storage and writes the file beside the
reports, which link each alert to its fact's entry (id = the tracked-fact id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from alerts.escape import clean_text, h, html_link
from alerts.format import format_value
from alerts.report import html_page
from facts.model import Fact


@dataclass(frozen=True)
class LedgerEntry:
    id: str
    key: str
    subject: str
    baseline: Fact | None
    # (accepted at, by whom, the new baseline fact, the one it replaced)
    accepted: Sequence[tuple[datetime, str, Fact, Fact | None]]
    # (observation, the url it reprints or None): the latest ones, oldest first
    observations: Sequence[tuple[Fact, str | None]]
    # older observations not listed (``pledgewatch facts show <id>`` lists them all)
    earlier: int = 0


def _day(day: date | None) -> str:
    return day.isoformat() if day else "undated"


def _row(day: str, who: str, value: str, quote: str, link: str = "") -> str:
    return (
        f"<tr><td>{h(day)}</td><td>{who}</td><td><mark>{h(value)}</mark></td>"
        f"<td>{h(clean_text(quote))}{link}</td></tr>"
    )


def _entry(entry: LedgerEntry) -> str:
    rows = []
    if entry.baseline is not None:
        b = entry.baseline
        rows.append(_row(_day(b.evidence.published), "baseline", format_value(b), b.evidence.quote))
    for at, by, fact, previous in entry.accepted:
        was = format_value(previous) if previous else "none"
        rows.append(
            _row(f"{at:%Y-%m-%d}", f"accepted by {h(clean_text(by))}", format_value(fact),
                 f"replaced {was}")
        )  # fmt: skip
    for fact, reprint_of in entry.observations:
        ev = fact.evidence
        who = html_link(clean_text(ev.outlet) or ev.url, ev.url)
        if reprint_of:
            who += ' <span class="muted">(reprint)</span>'
        rows.append(_row(_day(ev.published), who, format_value(fact), ev.quote))
    earlier = (
        f'<p class="muted">The {entry.earlier} earlier observations are not listed: '
        f"<code>pledgewatch facts show {h(entry.id)}</code> lists them all.</p>"
        if entry.earlier
        else ""
    )
    return (
        f'<article class="card" id="{h(entry.id)}"><header><h3>{h(clean_text(entry.subject))}'
        f'</h3></header><p class="kind">{h(clean_text(entry.key))} · {h(entry.id)}</p>'
        f"{earlier}<table><thead><tr><th>Date</th><th>Source</th><th>Value</th><th>Sentence</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table></article>"
    )


def render_ledger_html(title: str, entries: Sequence[LedgerEntry]) -> str:
    body = [f"<header><h1>{h(clean_text(title))}: fact ledger</h1></header>"]
    body += [_entry(e) for e in entries] or ['<p class="muted">No tracked facts yet.</p>']
    return html_page(f"{title}: fact ledger", body)
