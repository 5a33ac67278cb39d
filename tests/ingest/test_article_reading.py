"""How extract_article reads a page's tree: which strings are text, how whitespace counts,
which tokens match, how bytes are decoded, and pages libxml2 finds hard.

Each case pins what the text and fields were when they were first defined (on a
BeautifulSoup tree): evidence spans are stored into the text, so none may move.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import ingest._tree
from ingest import ArticleParseError, extract_article

URL = "https://news.example/story"


def _page(body: str, head: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def _text(html: bytes) -> str:
    return extract_article(html, url=URL).text


# --- strings --------------------------------------------------------------------------


def test_a_comment_is_not_text_but_its_tail_is():
    assert _text(_page("<p>Harbour <!-- editor: check --> opens</p>")) == "Harbour opens"
    assert _text(_page("<p>Rail<!-- x -->way</p>")) == "Railway"


def test_script_style_and_template_strings_are_not_text_and_do_not_split_a_paragraph():
    body = "<p>Grain<script>var p = '<p>no</p>';</script> exports<style>p {}</style> rose</p>"
    assert _text(_page(body)) == "Grain exports rose"
    assert _text(_page("<p>Port<template>Hidden</template> fees</p>")) == "Port fees"


def test_ruby_annotations_are_not_text_but_a_br_inside_one_still_spaces():
    assert _text(_page("<p>Kan<ruby>ji<rt>annotation</rt><rp>(</rp></ruby>s</p>")) == "Kanjis"
    assert _text(_page("<p>left<rt><br></rt>right</p>")) == "left right"


def test_the_tail_of_furniture_stays_in_its_paragraph():
    body = '<p>Before<span class="ad">BUY NOW</span>after, <button>x</button>and on.</p>'
    assert _text(_page(body)) == "Beforeafter, and on."


def test_br_spaces_the_paragraph_it_falls_in():
    assert _text(_page("<p>one<br>two<br/>three</p>")) == "one two three"
    assert _text(_page("<article>lead<br>more<p>para</p></article>")) == "para"


def test_text_of_an_element_inside_a_template_is_not_text():
    page = _page("<template><h1>Hidden head</h1></template><p>x</p>", "<title>Tab</title>")
    assert extract_article(page, url=URL).title == "Tab"
    page = _page("<template><article><p>Hidden</p></article></template><p>Shown</p>")
    assert _text(page) == "Shown"


# --- the longest article --------------------------------------------------------------


def test_a_run_of_whitespace_between_elements_counts_as_one_character():
    # "ab" + " " + "c" is 4 characters against 5, although the first one spans 6 bytes.
    body = "<article><p>ab</p>   \n  <p>c</p></article><article><p>abcde</p></article>"
    assert _text(_page(body)) == "abcde"


def test_whitespace_inside_pre_counts_in_full():
    body = "<article><pre>      </pre><p>ab</p></article><article><p>abcde</p></article>"
    assert _text(_page(body)) == "ab"


def test_of_articles_as_long_as_each_other_the_first_wins():
    body = "<article><p>first</p></article><article><p>later</p></article>"
    assert _text(_page(body)) == "first"


def test_furniture_does_not_count_towards_an_articles_length():
    body = (
        '<article><p>Short one.</p><div class="related">Related stories, many of them</div>'
        "</article><article><p>A longer story.</p></article>"
    )
    assert _text(_page(body)) == "A longer story."


# --- tokens and attributes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "byline"),
    [
        ('<a rel="nofollow author" href="/a">Lena Ortiz</a>', "Lena Ortiz"),
        ('<a rel="me\xa0author" href="/a">Lena Ortiz</a>', "Lena Ortiz"),  # rel is split
        ('<span itemprop="name author">Lena Ortiz</span>', "Lena Ortiz"),
        ('<span itemprop="name\xa0author">Lena Ortiz</span>', None),  # itemprop is not
        ('<span class="meta byline">By Lena Ortiz</span>', "Lena Ortiz"),
        ('<span class="bylines">Lena Ortiz</span>', None),
        ('<span rel="author">Lena Ortiz</span>', None),  # rel counts on <a> only
    ],
)
def test_byline_selector_tokens(body: str, byline: str | None):
    page = _page(f"<article>{body}<p>x</p></article>")
    assert extract_article(page, url=URL).byline == byline


def test_the_first_byline_in_document_order_within_the_first_article():
    body = (
        '<span class="byline">Outside</span><article><a rel="author">Second</a>'
        '<span class="byline">Third</span><p>x</p></article>'
    )
    assert extract_article(_page(body), url=URL).byline == "Second"
    body = '<article class="byline"><p>x</p></article><span class="byline">After</span>'
    assert extract_article(_page(body), url=URL).byline is None  # not the article itself
    assert extract_article(_page('<p class="byline">Anywhere</p>'), url=URL).byline == "Anywhere"


def test_canonical_is_any_rel_token_and_the_first_such_link():
    head = '<link rel="nofollow canonical" href="/one"><link rel="canonical" href="/two">'
    article = extract_article(_page("<p>x</p>", head), url=URL)
    assert article.canonical_url == "https://news.example/one"
    head = '<link rel="Canonical" href="/one">'  # tokens match exactly
    assert extract_article(_page("<p>x</p>", head), url=URL).canonical_url is None


def test_a_time_with_an_empty_datetime_is_still_the_first_time():
    body = '<time datetime="">today</time><time datetime="2025-03-04T05:06:07Z">x</time><p>x</p>'
    assert extract_article(_page(body), url=URL).published is None


def test_itemprop_date_published_matches_the_whole_value():
    body = '<span itemprop="datePublished extra">2025-01-02</span><p>x</p>'
    assert extract_article(_page(body), url=URL).published is None
    body = '<span itemprop="datePublished"> 2025-01-02 </span><p>x</p>'
    assert extract_article(_page(body), url=URL).published == datetime(2025, 1, 2, tzinfo=UTC)


def test_attribute_names_are_case_insensitive():
    page = b'<HTML><BODY><ARTICLE><A REL="author">Kim Ode</A><P CLASS="x">Text</P></ARTICLE>'
    article = extract_article(page, url=URL)
    assert (article.byline, article.text) == ("Kim Ode", "Text")


# --- decoding ---------------------------------------------------------------------------


def test_a_byte_order_mark_decides_the_encoding():
    assert _text(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>") == "café"
    assert _text("\ufeff<p>sixteen bits</p>".encode("utf-16-le")) == "sixteen bits"


def test_a_declared_windows_1252_page():
    page = '<meta charset="windows-1252"><p>“Quoted” — café</p>'.encode("cp1252")
    assert _text(page) == "“Quoted” — café"


def test_an_xml_declaration_declares_the_encoding():
    assert _text(b'<?xml version="1.0" encoding="iso-8859-1"?><p>caf\xe9</p>') == "café"


def test_a_charset_nobody_knows_is_skipped():
    assert _text(b'<meta charset="no-such-charset"><p>caf\xc3\xa9</p>') == "café"


def test_one_byte_invalid_in_the_declared_encoding_loses_the_whole_page():
    # libxml2 decodes all the bytes before it parses any, and gives up on the lot.
    head = b'<html><head><meta charset="windows-1252"></head><body>'
    paragraphs = b"<p>A paragraph that would be kept.</p>" * 2000
    page = head + paragraphs + b"<p>one \x81 two</p></body></html>"
    with pytest.raises(ArticleParseError, match="no article text found"):
        extract_article(page, url=URL)
    assert _text(page.replace(b"\x81", b"\x80")).endswith("one \u20ac two")


@pytest.mark.parametrize(
    ("html", "message"),
    [
        (b"", "empty page"),
        (b" \n\t", "empty page"),
        (b"\xef\xbb\xbf", "no article text found"),
        (b"<!-- nothing but a comment -->", "no article text found"),
        (b"<!DOCTYPE html>", "no article text found"),
        (b"</p>", "no article text found"),
    ],
)
def test_pages_without_elements(html: bytes, message: str):
    with pytest.raises(ArticleParseError, match=message):
        extract_article(html, url=URL)


def test_bytes_that_are_not_html_are_text():
    assert _text(b"just words") == "just words"
    assert _text(b"<p>a\x01b</p>") == "a\x01b"  # kept, as the parser gives it


# --- odd trees ------------------------------------------------------------------------


def test_markup_after_the_end_of_html_is_part_of_the_page():
    # libxml2 opens a second <html> for it, without a <body>.
    assert _text(b"<html><body><p>a</p></body></html><p>b</p>") == "a"
    assert _text(b"<html><body><p>a</p></body></html><article><p>b</p></article>") == "b"
    page = b'<html><body><p>a</p></body></html><meta property="og:title" content="Late">'
    assert extract_article(page, url=URL).title == "Late"


def test_a_body_that_libxml2_nests_in_furniture_is_furniture():
    # A <body> met inside <head>'s furniture stays there, and goes with it.
    page = b"<html><head><nav><body><p>In nav</p></body></nav></head><body><p>Real</p></body>"
    assert _text(page) == "Real"


@pytest.mark.parametrize("depth", [300, 2000])
def test_pages_nested_deeper_than_libxml2s_default_limit(depth: int):
    # libxml2 stops building a tree at 256 levels unless told (huge_tree) to go to 2048.
    body = '<div class="wrap">' * depth + "<p>Deep</p>" + "</div>" * depth + "<p>After</p>"
    article = extract_article(_page(body, "<title>A</title>"), url=URL)
    assert (article.title, article.text) == ("A", "Deep\n\nAfter")


def test_a_date_that_overflows_in_utc_is_no_date():
    # Year 1 an hour east of UTC is before datetime.min once converted.
    head = '<meta property="article:published_time" content="0001-01-01T00:00:00+01:00">'
    assert extract_article(_page("<p>x</p>", head), url=URL).published is None


def test_nested_junk_around_the_article_asks_once_per_page_what_wraps_it(monkeypatch):
    # Reading each <article> (the longest is the text), each junk wrapper inside asks
    # "do you wrap an article?". A descendant search per wrapper is quadratic: 100
    # nested ad divs and articles around 20,000 paragraphs took 16 s.
    searches = []
    targets = ingest._tree._TARGETS
    monkeypatch.setattr(ingest._tree, "_TARGETS", lambda root: searches.append(1) or targets(root))
    depth, paragraphs = 100, 2000
    body = '<div class="ad"><article>' * depth + "<p>Line.</p>" * paragraphs
    page = _page(body + "</article></div>" * depth)
    assert _text(page).count("Line.") == paragraphs
    assert len(searches) == 1


def test_a_malformed_canonical_link_is_no_canonical_link():
    page = _page("<p>Text.</p>", '<link rel="canonical" href="http://[::1/x">')
    article = extract_article(page, url=URL)
    assert (article.canonical_url, article.text) == (None, "Text.")
