"""Property tests (hypothesis): hostile feed bytes through parse_feed, extract_facts,
build_alerts and every renderer never raise anything unexpected and never produce
active markup (checked with lxml); cleaning is idempotent."""

from __future__ import annotations

import contextlib
import html
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from xml.sax.saxutils import escape

import nh3
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from alerts import (
    EmailSettings,
    ReportData,
    SeverityRules,
    build_alerts,
    build_email,
    render_html,
    render_markdown,
)
from alerts.escape import _MAY_CHANGE, clean_alert, clean_text
from facts.compare import CompareOptions, compare
from facts.extract import extract_facts
from facts.model import Alert, ChangeKind, Fact, Severity, Source
from flows.config import Topic, load_baseline_facts, load_topic
from ingest import FeedParseError, parse_feed
from tests.conftest import DEMO_TOPIC
from tests.security.checks import assert_inert, markdown_as_html

FUZZ = settings(
    max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# Pieces that hostile feeds and pages are made of.
FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>', '<a href="java&#x09;script:x">',
    '<form action="https://evil.example/"><input type="password" name="pw"></form>',
    "<iframe src=//evil.example>", "<style>*{}</style>", "<!--", "-->", "<![CDATA[", "]]>",
    "&lt;script&gt;", "&amp;lt;b onclick=x&amp;gt;", "&#60;img src=x onerror=y&#62;", "<",
    ">", "&", '"', "'", "`", "\\", "|", "[x](javascript:alert(1))", "\r\n", "\x00", "\u2028",
    "<<b></b>script>", "<xmp><script>", "</textarea>", "<noscript><p title=\"</noscript>",
    "<math><mi xlink:href=javascript:x>", "<base href=//evil.example/>", "%0d%0aBcc:",
]  # fmt: skip
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=12
).map("".join)

SENTENCE = "India and Russia agreed to raise bilateral trade to $150 billion by 2030"
SETTINGS = EmailSettings(
    name="desk", to=("desk@example.org",), sender="pw@example.org", smtp_host="127.0.0.1",
    smtp_port=25,
)  # fmt: skip


@cache
def _topic() -> Topic:
    return load_topic(DEMO_TOPIC)


@cache
def _baseline() -> tuple[Fact, ...]:
    return tuple(load_baseline_facts(_topic()))


def _render_everywhere(alerts: list[Alert], errors: list[tuple[str, str]]) -> None:
    data = ReportData(
        topic="t", title="Watch", generated_at=datetime(2025, 12, 10, tzinfo=UTC),
        alerts=alerts, confirmations=[], sources_ok=[], source_errors=errors,
        articles_new=0, facts_new=0,
    )  # fmt: skip
    assert_inert(render_html(data))
    assert_inert(markdown_as_html(render_markdown(data)))
    if alerts:
        message = build_email(
            alerts, settings=SETTINGS, message_id="d@x", topic_title="Watch", digest=True
        )
        html_part = message.get_body(("html",))
        assert html_part is not None
        assert_inert(html_part.get_content())
        assert all("\n" not in str(v) and "\r" not in str(v) for v in message.values())


def _feed(title: str, summary: str, link: str, raw_summary: bool) -> bytes:
    description = f"<![CDATA[{summary.replace(']]>', '')}]]>" if raw_summary else escape(summary)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><item><title>{escape(title)}</title>"
        f"<link>{escape(link)}</link><description>{description}</description></item>"
        "</channel></rss>"
    ).encode("utf-8", "surrogatepass")


@FUZZ
@given(
    title=hostile_text,
    before=hostile_text,
    after=hostile_text,
    link=st.sampled_from(["https://news.example/a", "/rel", "javascript:alert(1)", "x"]),
    raw_summary=st.booleans(),
)
def test_hostile_feed_to_rendered_report(
    title: str, before: str, after: str, link: str, raw_summary: bool
) -> None:
    summary = f"{before} {SENTENCE} {after}."
    try:
        feed = parse_feed(_feed(title, summary, link, raw_summary), source_url="https://f.example/")
    except FeedParseError as exc:
        event("not a feed")
        _render_everywhere([], [("https://f.example/", str(exc))])
        return
    topic = _topic()
    alerts: list[Alert] = []
    for entry in feed.entries:
        facts = extract_facts(
            f"{entry.title}. {entry.summary}", url=entry.url, outlet=entry.title,
            published=date(2025, 12, 6), vocabulary=topic.vocabulary,
        )  # fmt: skip
        options = CompareOptions(tracked_subjects=topic.tracked_subjects)
        changes = compare(_baseline(), facts, [], options)
        alerts += build_alerts(topic.name, changes, SeverityRules())
    event("alerts" if alerts else "no alerts")
    _render_everywhere(alerts, [(title, w) for w in feed.warnings])


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([b"", b'<?xml version="1.0"?><rss version="2.0">']))
def test_arbitrary_bytes_are_a_feed_or_a_feed_parse_error(data: bytes, prefix: bytes) -> None:
    with contextlib.suppress(FeedParseError):
        parse_feed(prefix + data, source_url="https://f.example/")


def _alert(texts: list[str], url: str) -> Alert:
    summary, subject, quote, outlet, value = (texts + [""] * 5)[:5]
    source = Source(url=url, outlet=outlet, published=date(2025, 12, 6), quote=quote, fact_id="f")
    return Alert(
        id="a_0123456789abcdef", topic="t", kind=ChangeKind.FIGURE_CHANGED,
        severity=Severity.HIGH, subject=subject, key="k", summary=summary,
        baseline_value=value, baseline_quote=quote, observed_value=value,
        observed_quote=quote, source=source, corroborating=(replace(source, url=value),),
    )  # fmt: skip


@FUZZ
@given(
    st.lists(hostile_text, min_size=5, max_size=5),
    st.one_of(hostile_text, st.sampled_from(["https://x.example/a?b=<c>", "javascript:x"])),
)
def test_any_text_in_any_field_renders_inert(texts: list[str], url: str) -> None:
    _render_everywhere([_alert(texts, url)], [(texts[0], texts[1])])


@settings(max_examples=300, deadline=1000, derandomize=True)
@given(st.one_of(hostile_text, st.text()))
@example("&amp;amp;amp;amp;amp;amp;amp;amp;amp;lt;script&amp;gt;x")  # past the rounds
@example("<<b></b>script>alert(1)</script>")
def test_cleaning_twice_changes_nothing(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=300, deadline=1000, derandomize=True)
@given(st.text())
def test_text_without_markup_characters_is_left_alone(text: str) -> None:
    # clean_text's shortcut: such text is what nh3 + unescape would give back anyway.
    text = _MAY_CHANGE.sub("", text)
    assert clean_text(text) == text == html.unescape(nh3.clean(text, tags=set()))


@FUZZ
@given(st.lists(hostile_text, min_size=5, max_size=5), hostile_text)
def test_cleaning_an_alert_twice_changes_nothing(texts: list[str], url: str) -> None:
    once = clean_alert(_alert(texts, url))
    assert clean_alert(once) == once
