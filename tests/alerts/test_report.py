from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import lxml.html
import pytest
from markdown_it import MarkdownIt

from alerts.escape import safe_href
from alerts.report import CSP, SOURCES_SHOWN, ReportData, render_html, render_markdown
from alerts.rules import SeverityRules, build_alerts
from facts.model import Alert, Change, ChangeKind, Source, Status
from tests.factories import commitment, figure_change

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
    "[click](javascript:alert(1)) a | b `code` *em* _u_ ![i](https://x/i.png)"
)

# What a reader sees of HOSTILE: its markup is cleaned away (alerts.escape.clean_text),
# the rest is shown verbatim.
HOSTILE_SHOWN = "[click](javascript:alert(1)) a | b `code` *em* _u_ ![i](https://x/i.png)"

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source", "area", "base"}


class _Checker(HTMLParser):
    """Collects what matters for safety and checks that tags balance."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _check(markup: str) -> _Checker:
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    return checker


def _assert_inert(checker: _Checker) -> None:
    assert "script" not in checker.tags
    assert "img" not in checker.tags
    assert [a for a in checker.attrs if a[1].startswith("on")] == []
    for tag, name, value in checker.attrs:
        if name in ("href", "src"):
            assert value is not None
            assert value.startswith(("https://", "http://", "#alert-")), (tag, value)


def _hostile_alert() -> Alert:
    change = figure_change(
        "100000000000",
        "150000000000",
        deadline="2030",
        subject="trade | <b>bold</b>",
        url="https://news.example/a?x=1&y=(2)",
        outlet="Outlet </a><script>alert(1)</script>",
        quote=HOSTILE,
    )
    [alert] = build_alerts("topic", [change], SeverityRules())
    bad = Source(
        url="javascript:alert(1)",
        outlet="[click](javascript:alert(1))",
        published=date(2025, 12, 8),
        quote=HOSTILE,
        fact_id="f_bad",
    )
    return replace(alert, baseline_quote="# heading\n- item\n" + HOSTILE, corroborating=(bad,))


def _data(alerts: list[Alert] | None = None) -> ReportData:
    return ReportData(
        topic="india-russia-summit",
        title="Summit watch " + HOSTILE,
        generated_at=datetime(2025, 12, 10, 8, 0, tzinfo=UTC),
        alerts=[_hostile_alert()] if alerts is None else alerts,
        confirmations=[("defence | <i>x</i>", 3)],
        sources_ok=["feed-a"],
        source_errors=[("feed <b>", "HTTP 500: " + HOSTILE)],
        articles_new=4,
        facts_new=9,
    )


# --- HTML --------------------------------------------------------------------------


def test_html_escapes_article_text() -> None:
    page = render_html(_data())
    assert "<script" not in page.lower()
    assert 'href="javascript:' not in page.lower()
    assert "<img" not in page.lower()
    # html.escape leaves "=" alone, so "onerror=" survives as *text*; what must not
    # exist is an on* attribute, which the parser checks.
    checker = _check(page)
    _assert_inert(checker)
    shown = "".join(checker.text)
    assert HOSTILE_SHOWN in shown
    assert "<script" not in shown and "onerror" not in shown  # cleaned, not just escaped


def test_html_structure_balances_and_parses() -> None:
    page = render_html(_data())
    assert page.startswith("<!doctype html>")
    checker = _check(page)
    assert checker.errors == []
    assert checker.stack == []
    tree = lxml.html.document_fromstring(page)
    assert tree.xpath("count(//article[@class='card sev-high'])") == 1
    assert tree.xpath("//script") == []


def test_html_has_csp_charset_and_no_remote_resources() -> None:
    page = render_html(_data())
    tree = lxml.html.document_fromstring(page)
    [csp] = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp == CSP
    assert csp == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    assert tree.xpath("//meta/@charset") == ["utf-8"]
    assert tree.xpath("//link | //iframe | //object | //embed | //@src") == []


def test_html_links_only_http_with_rel() -> None:
    tree = lxml.html.document_fromstring(render_html(_data()))
    external = tree.xpath("//a[not(starts-with(@href, '#'))]")
    assert [a.get("href") for a in external] == ["https://news.example/a?x=1&y=%282%29"]
    assert all(a.get("rel") == "noopener noreferrer" for a in external)
    # The javascript: source is shown as text, not dropped.
    assert "javascript:alert(1)" in tree.text_content()


def test_html_card_ids_and_table_links() -> None:
    data = _data()
    alert = data.alerts[0]
    tree = lxml.html.document_fromstring(render_html(data))
    [card] = tree.xpath(f"//article[@id='alert-{alert.id}']")
    assert tree.xpath(f"//table//a[@href='#alert-{alert.id}']")
    marked = card.xpath(".//mark/text()")
    assert "$150 billion by 2030" in marked
    assert "$100 billion by 2030" in marked


def test_html_marks_changed_numbers_in_sentences() -> None:
    change = figure_change(
        "100000000000", "150000000000", deadline="2030", quote="Trade to hit $150 billion by 2030."
    )
    [alert] = build_alerts("t", [change], SeverityRules())
    alert = replace(alert, baseline_quote="Trade of $100 billion by 2030.")
    tree = lxml.html.document_fromstring(render_html(_data([alert])))
    quotes = [bq.xpath("./mark/text()") for bq in tree.xpath("//blockquote")]
    assert quotes == [["100"], ["150"]]  # 2030 is in both sentences: not a change


def test_html_empty_report() -> None:
    page = render_html(_data([]))
    assert "No changes against the baseline" in page
    assert "<table" not in page


# --- Markdown ----------------------------------------------------------------------


def _md_to_html(markdown: str) -> str:
    # commonmark preset passes raw HTML through: any tag we failed to escape shows up.
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_markdown_escapes_article_text() -> None:
    text = render_markdown(_data())
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    assert "](javascript:" not in text
    rendered = _check(_md_to_html(text))
    _assert_inert(rendered)
    assert "code" not in rendered.tags and "em" not in rendered.tags
    shown = "".join(rendered.text)
    assert HOSTILE_SHOWN in shown
    assert "<script" not in shown and "onerror" not in shown  # cleaned, not just escaped


def test_markdown_table_cells_survive_pipes() -> None:
    tree = lxml.html.fragment_fromstring(_md_to_html(render_markdown(_data())), create_parent="div")
    rows = tree.xpath("//table//tr")
    assert len(rows) == 2
    assert [len(r.xpath("./th|./td")) for r in rows] == [4, 4]
    assert rows[1].xpath("./td")[2].text_content() == "trade | bold"  # <b> cleaned away


def test_markdown_quote_lines_do_not_become_headings_or_lists() -> None:
    text = render_markdown(_data())
    tree = lxml.html.fragment_fromstring(_md_to_html(text), create_parent="div")
    assert len(tree.xpath("//h1")) == 1
    [baseline_bq, _] = tree.xpath("//blockquote")
    assert baseline_bq.xpath(".//ul | .//h1") == []
    assert baseline_bq.text_content().strip().startswith("# heading")


def test_markdown_sections_and_links() -> None:
    data = _data()
    text = render_markdown(data)
    assert text.startswith("# Summit watch")
    assert "- New articles: 4" in text and "- New facts: 9" in text
    assert "- Alerts: 1 (1 high)" in text
    assert "| Severity | Kind | Subject | Change |" in text
    assert "[Outlet](https://news.example/" in text  # its markup cleaned away
    assert "(https://news.example/a?x=1&y=%282%29), 2025-12-06" in text
    assert "## Source errors" in text and "HTTP 500:" in text
    assert "## Confirmed again" in text and ": 3 sources" in text
    links = lxml.html.fragment_fromstring(_md_to_html(text), create_parent="div").xpath("//a")
    assert [a.get("href") for a in links] == ["https://news.example/a?x=1&y=%282%29"]


def test_markdown_empty_report() -> None:
    text = render_markdown(_data([]))
    assert "No changes against the baseline" in text
    assert "| Severity |" not in text


def test_rendering_is_pure() -> None:
    data = _data()
    assert render_markdown(data) == render_markdown(data)
    assert render_html(data) == render_html(data)


# --- URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("  HTTP://a.example/x y", "HTTP://a.example/x%20y"),
        ('https://a.example/"><script>', "https://a.example/%22%3E%3Cscript%3E"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example/x", None),
        ("/relative", None),
        ("https:///no-host", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_href(url: str | None, expected: str | None) -> None:
    assert safe_href(url) == expected


def test_contradiction_card_names_both_sources() -> None:
    a = commitment(Status.SIGNED, url="https://a", published=date(2025, 12, 6), quote="Signed.")
    b = commitment(Status.EXPECTED, url="https://b", published=date(2025, 12, 7), quote="Soon.")
    change = Change(ChangeKind.CONTRADICTION, a, other=b, details={"field": "status"})
    [alert] = build_alerts("t", [change], SeverityRules())
    tree = lxml.html.document_fromstring(render_html(_data([alert])))
    assert tree.xpath("//div[contains(@class,'side')]/h4/text()") == [
        "Other source",
        "This source",
    ]
    assert tree.xpath("//ol[@class='sources']/li/a/@href") == ["https://a", "https://b"]


def test_an_alert_read_in_many_articles_lists_its_first_sources_and_counts_the_rest() -> None:
    [alert] = build_alerts("t", [figure_change("100000000000", "150000000000")], SeverityRules())
    extra = tuple(
        replace(alert.source, url=f"https://outlet-{i}.example/a", outlet=f"Outlet {i}")
        for i in range(24)
    )
    alert = replace(alert, corroborating=extra)
    assert len(alert.sources) == 25

    tree = lxml.html.document_fromstring(render_html(_data([alert])))
    assert len(tree.xpath("//ol[@class='sources']/li")) == SOURCES_SHOWN
    assert tree.xpath("//article//h4[starts-with(., 'Sources')]/text()") == ["Sources (25)"]
    assert f"and 15 more: pledgewatch alerts show {alert.id} lists them all" in (
        tree.text_content()
    )

    text = render_markdown(_data([alert]))
    assert "Sources (25):" in text
    assert "10. [Outlet 8](https://outlet-8.example/a)" in text
    assert "11. " not in text and "Outlet 9]" not in text
    assert f"and 15 more: `pledgewatch alerts show {alert.id}` lists them all" in text


def test_an_alert_read_with_its_first_sources_only_takes_its_counts_from_the_caller() -> None:
    """A store reads the sources a report shows and counts the rest in SQL: the
    report says the counted total and reprints, not the length of the list it got."""
    [alert] = build_alerts("t", [figure_change("100000000000", "150000000000")], SeverityRules())
    extra = tuple(replace(alert.source, url=f"https://o-{i}.example/a") for i in range(9))
    alert = replace(alert, corroborating=extra)
    data = replace(_data([alert]), source_counts={alert.id: (4000, 12)})

    text = render_markdown(data)
    assert "Sources (4000, of which 12 reprints):" in text
    assert f"and 3990 more: `pledgewatch alerts show {alert.id}` lists them all" in text
    tree = lxml.html.document_fromstring(render_html(data))
    assert len(tree.xpath("//ol[@class='sources']/li")) == SOURCES_SHOWN
    assert "and 3990 more" in tree.text_content()
    assert data.sources_of(alert) == 4000  # what the flow's alerts table artifact shows
    assert replace(data, source_counts={}).sources_of(alert) == 10
