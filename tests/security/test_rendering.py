"""Markup from a hostile page or feed never reaches the HTML report, the Markdown report
or the email, along the real path: ingest.extract_article / parse_feed ->
facts.extract_facts -> compare with the demo baseline -> alerts.build_alerts ->
render_html / render_markdown / build_email. Checked by parsing what comes out.
"""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy
from functools import cache

import lxml.html

from alerts import (
    EmailSettings,
    ReportData,
    SeverityRules,
    build_alerts,
    build_email,
    render_html,
    render_markdown,
)
from alerts.escape import clean_text
from facts.compare import CompareOptions, compare
from facts.extract import extract_facts
from facts.model import Alert, Fact
from flows.config import Topic, load_baseline_facts, load_topic
from ingest import extract_article, parse_feed
from tests.conftest import DEMO_TOPIC
from tests.security.checks import assert_inert, markdown_as_html

PAGE_URL = "https://news.example/world/trade"
# Real markup (dropped by the extractor) and markup written as text with entities
# (which the extractor gives back as text: "<script>..."), in the body and metadata.
HOSTILE_PAGE = b"""<!doctype html><html><head>
<meta property="og:site_name" content="Daily &lt;script&gt;alert('outlet')&lt;/script&gt;News">
<script>alert('head')</script></head>
<body onload="alert('body')"><article>
<h1 onmouseover="alert('h1')">India and Russia raise trade target</h1>
<p>India and Russia agreed to raise bilateral trade to $150 billion by 2030
&lt;script&gt;alert(document.cookie)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;
&lt;a href="java&amp;#x09;script:alert(3)"&gt;here&lt;/a&gt;, officials said.</p>
<p><a href="java&#x09;script:alert(4)">click</a><svg><a xlink:href="javascript:alert(5)">s</a></svg>
<img src="x" onerror="alert(6)"></p>
<form action="https://evil.example/"><input type="password" name="pw"></form>
<p>The two sides signed 21 agreements
&lt;svg&gt;&lt;a xlink:href="javascript:alert(7)"&gt;y&lt;/a&gt;&lt;/svg&gt;
&lt;form action=https://evil.example/&gt;&lt;input type=password name=pw&gt;&lt;/form&gt;
on Friday.</p>
</article></body></html>"""

HOSTILE_FEED = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
<title>Feed &lt;script&gt;alert(8)&lt;/script&gt;</title>
<item><title>Trade &lt;img src=x onerror=alert(9)&gt;</title><link>https://news.example/f</link>
<description><![CDATA[<p>India and Russia agreed to raise bilateral trade to $150 billion by 2030
<script>alert(10)</script><a href="java&#x09;script:alert(11)">x</a>
<svg><a xlink:href="javascript:alert(12)">y</a></svg><form><input type="password"></form>
&amp;lt;script&amp;gt;alert(13)&amp;lt;/script&amp;gt;
&amp;lt;b onclick=alert(14)&amp;gt;b&amp;lt;/b&amp;gt;.</p>]]>
</description></item></channel></rss>"""

SETTINGS = EmailSettings(
    name="desk", to=("desk@example.org",), sender="pw@example.org", smtp_host="127.0.0.1",
    smtp_port=25,
)  # fmt: skip


@cache
def _topic() -> Topic:
    return load_topic(DEMO_TOPIC)


def _alerts(text: str, outlet: str, url: str) -> list[Alert]:
    topic = _topic()
    facts: list[Fact] = extract_facts(
        text, url=url, outlet=outlet, published=date(2025, 12, 6), vocabulary=topic.vocabulary
    )
    options = CompareOptions(contradiction_window_days=2, tracked_subjects=topic.tracked_subjects)
    changes = compare(load_baseline_facts(topic), facts, [], options)
    rules = SeverityRules.from_mapping(topic.config.alerts.severity)
    return build_alerts(topic.name, changes, rules)


def _page_alerts() -> list[Alert]:
    article = extract_article(HOSTILE_PAGE, url=PAGE_URL)
    return _alerts(article.text, article.outlet, PAGE_URL)


def _feed_alerts() -> list[Alert]:
    [entry] = parse_feed(HOSTILE_FEED, source_url="https://news.example/rss").entries
    return _alerts(f"{entry.title}. {entry.summary}", "Feed outlet", entry.url)


def _report(alerts: list[Alert], errors: list[tuple[str, str]] = ()) -> ReportData:  # type: ignore[assignment]
    return ReportData(
        topic="india-russia-summit", title="Summit watch",
        generated_at=datetime(2025, 12, 10, tzinfo=UTC), alerts=alerts, confirmations=[],
        sources_ok=[], source_errors=list(errors), articles_new=1, facts_new=len(alerts),
    )  # fmt: skip


def assert_no_active_markup(html: str) -> None:
    """Inert (checks.assert_inert), and none of the source's markup left even as text."""
    text = assert_inert(html).text_content()
    for leftover in ("<script", "onerror", "onclick", "xlink:href", "<form", "<svg", "alert("):
        assert leftover not in text, leftover


def _email_parts(alerts: list[Alert]) -> tuple[str, str, email.message.EmailMessage]:
    message = build_email(
        alerts, settings=SETTINGS, message_id="d_1@example.org", topic_title="Summit", digest=True
    )
    parsed = email.message_from_bytes(bytes(message), policy=policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content(), parsed


def test_the_hostile_page_does_carry_markup_into_the_alerts() -> None:
    # The premise: without cleaning at render time, markup would reach the output.
    alerts = _page_alerts()
    kinds = {a.kind.value for a in alerts}
    assert {"figure_changed", "new_figure"} <= kinds
    quotes = " ".join(a.observed_quote for a in alerts)
    assert "<script>alert(document.cookie)</script>" in quotes
    assert '<a xlink:href="javascript:alert(7)">' in quotes
    assert "<script>" in alerts[0].source.outlet


def test_no_markup_from_a_page_in_the_html_report() -> None:
    html = render_html(_report(_page_alerts()))
    assert_no_active_markup(html)
    tree = lxml.html.document_fromstring(html)
    assert "$150 billion by 2030" in tree.text_content()  # the news itself is still there
    assert "Daily News" in tree.text_content()


def test_no_markup_from_a_page_in_the_markdown_report() -> None:
    markdown = render_markdown(_report(_page_alerts()))
    assert "<script" not in markdown and "javascript:" not in markdown
    assert_no_active_markup(markdown_as_html(markdown))


def test_no_markup_from_a_page_in_the_email() -> None:
    text, html, _ = _email_parts(_page_alerts())
    assert_no_active_markup(html)
    for leftover in ("<script", "onerror", "xlink:href", "<form", "alert("):
        assert leftover not in text
    assert "$150 billion by 2030" in text


def test_no_markup_from_a_feed_anywhere() -> None:
    alerts = _feed_alerts()
    assert alerts, "the feed's sentence gives alerts"
    # The premise: markup escaped twice in the feed is text with entities in the quote.
    assert "&lt;script&gt;alert(13)" in alerts[0].observed_quote
    errors = [("https://news.example/rss", "not an RSS feed: <script>alert(15)</script>")]
    report = _report(alerts, errors)
    assert_no_active_markup(render_html(report))
    assert_no_active_markup(markdown_as_html(render_markdown(report)))
    text, html, _ = _email_parts(alerts)
    assert_no_active_markup(html)
    assert "alert(" not in text


def test_a_title_with_cr_lf_and_bcc_makes_no_header() -> None:
    [alert, *_] = _page_alerts()
    hostile = alert.__class__(**{**alert.__dict__, "summary": "Up\r\nBcc: evil@example.org\r\n"})
    message = build_email(
        [hostile], settings=SETTINGS, message_id="d_2@example.org",
        topic_title="T\r\nBcc: evil@example.org", digest=False,
    )  # fmt: skip
    raw = bytes(message)
    head = raw.split(b"\n\n", 1)[0]
    assert not [line for line in head.splitlines() if line.lower().startswith(b"bcc")]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert str(parsed["Subject"]) == "[pledgewatch] HIGH: Up Bcc: evil@example.org"


def test_cleaning_the_quotes_keeps_their_words() -> None:
    [alert, *_] = _page_alerts()
    cleaned = clean_text(alert.observed_quote)
    assert cleaned.startswith("India and Russia agreed to raise bilateral trade to $150 billion")
    assert "<" not in cleaned and clean_text(cleaned) == cleaned
