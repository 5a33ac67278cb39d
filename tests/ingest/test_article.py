"""extract_article over pages written here, furniture and all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import lxml.etree
import pytest

from ingest import ArticleParseError, extract_article

URL = "https://www.dailynews.example/world/india-russia-summit?utm_source=feed"

PAGE = b"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>India, Russia set trade target | Daily News</title>
  <meta property="og:title" content="India and Russia set $100 bn trade target">
  <meta property="og:site_name" content="Daily News">
  <meta property="article:published_time" content="2025-12-05T16:30:00+05:30">
  <meta name="author" content="By Asha Rao">
  <link rel="canonical" href="/world/india-russia-summit?utm_campaign=x&amp;page=1#top">
  <style>.ad { display: block }</style>
  <script>window.dataLayer = [{"tracking": "SCRIPT-JUNK"}];</script>
</head>
<body class="page single-post">
  <div id="cookie-banner" class="cookie-consent">We use cookies. COOKIE-JUNK
    <button>OK</button></div>
  <header class="site-header"><a href="/">Daily News</a> HEADER-JUNK</header>
  <nav class="primary"><ul><li><a href="/world">World</a></li><li>NAV-JUNK</li></ul></nav>
  <div class="breadcrumb">Home &gt; World &gt; BREADCRUMB-JUNK</div>
  <main>
    <article>
      <header><h1>India and Russia set trade target</h1>
        <p class="byline">By Asha Rao</p>
        <time datetime="2025-12-05T11:00:00Z">5 December 2025</time></header>
      <div class="headline shadow download-box">
        <p>India and Russia agreed to raise   bilateral trade
           to <b>$100 billion</b> by 2030.</p>
      </div>
      <div class="ad-slot"><p>ADVERT-JUNK: buy now</p></div>
      <div id="adContainer"><p>CAMEL-AD-JUNK</p></div>
      <p>The leaders met in New Delhi on Friday.<br>Officials said 12 agreements were signed.</p>
      <figure><img src="x.jpg" alt=""><figcaption>Leaders at the summit.</figcaption></figure>
      <h2>Energy</h2>
      <p>Oil purchases will <a href="/oil">continue</a>, the minister said.</p>
      <blockquote>"We are committed," the minister said.</blockquote>
      <ul><li>Fertiliser supply</li><li>Nuclear energy</li></ul>
      <div class="share-buttons social"><p>SHARE-JUNK on X</p></div>
      <section class="newsletter-signup"><p>NEWSLETTER-JUNK subscribe now</p></section>
      <form action="/subscribe"><p>FORM-JUNK email</p></form>
      <div class="related-stories"><p>RELATED-JUNK: other news</p></div>
      <noscript><p>NOSCRIPT-JUNK</p></noscript>
      <iframe src="https://ads.example/"></iframe>
      <script>document.write("<p>INLINE-SCRIPT-JUNK</p>")</script>
      <!-- <p>COMMENT-JUNK</p> -->
      <div id="comments"><p>COMMENTS-JUNK: first!</p></div>
    </article>
    <aside><p>ASIDE-JUNK most read</p></aside>
  </main>
  <div class="promo"><p>PROMO-JUNK</p></div>
  <footer><p>FOOTER-JUNK Copyright 2025</p></footer>
</body>
</html>"""

EXPECTED_TEXT = "\n\n".join(
    [
        "India and Russia agreed to raise bilateral trade to $100 billion by 2030.",
        "The leaders met in New Delhi on Friday. Officials said 12 agreements were signed.",
        "Leaders at the summit.",
        "Energy",
        "Oil purchases will continue, the minister said.",
        '"We are committed," the minister said.',
        "Fertiliser supply",
        "Nuclear energy",
    ]
)


def test_article_text_has_the_paragraphs_and_none_of_the_furniture():
    article = extract_article(PAGE, url=URL)

    assert article.text == EXPECTED_TEXT
    assert "JUNK" not in article.text
    assert "cookies" not in article.text and "Copyright" not in article.text


def test_meta_extraction():
    article = extract_article(PAGE, url=URL)

    assert article.title == "India and Russia set $100 bn trade target"  # og:title first
    assert article.outlet == "Daily News"
    assert article.published == datetime(2025, 12, 5, 11, 0, tzinfo=UTC)
    assert article.published.utcoffset() == timedelta(0)
    assert article.byline == "Asha Rao"
    # Relative canonical made absolute; tracking parameter and fragment dropped.
    assert article.canonical_url == (
        "https://www.dailynews.example/world/india-russia-summit?page=1"
    )


def _page(head: str = "", body: str = "<p>Some text.</p>") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def test_title_falls_back_to_h1_then_title_then_the_given_fallback():
    h1 = _page("<title>Tab title</title>", "<h1> Page  heading </h1><p>x</p>")
    assert extract_article(h1, url=URL).title == "Page heading"
    title = _page("<title>Tab title</title>")
    assert extract_article(title, url=URL).title == "Tab title"
    bare = _page()
    assert extract_article(bare, url=URL, fallback_title="From feed").title == "From feed"
    assert extract_article(bare, url=URL).title == ""


def test_outlet_falls_back_to_application_name_then_host_without_www():
    app = _page('<meta name="application-name" content="Wire Service">')
    assert extract_article(app, url=URL).outlet == "Wire Service"
    assert extract_article(_page(), url=URL).outlet == "dailynews.example"
    assert extract_article(_page(), url="http://news.example:8080/a").outlet == "news.example"


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (
            '<meta itemprop="datePublished" content="2025-12-05T10:00:00-05:00">',
            "<p>x</p>",
            datetime(2025, 12, 5, 15, 0, tzinfo=UTC),
        ),
        (
            '<script type="application/ld+json">{"@context": "https://schema.org", '
            '"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", '
            '"datePublished": "2025-12-04T23:30:00Z"}]}</script>',
            "<p>x</p>",
            datetime(2025, 12, 4, 23, 30, tzinfo=UTC),
        ),
        (
            "",
            '<article><p>x</p><time datetime="2025-12-03T08:00:00">Wed</time></article>',
            datetime(2025, 12, 3, 8, 0, tzinfo=UTC),  # naive is taken as UTC
        ),
        (
            '<meta property="article:published_time" content="Fri, 05 Dec 2025 10:00:00 GMT">',
            "<p>x</p>",
            datetime(2025, 12, 5, 10, 0, tzinfo=UTC),
        ),
        (
            '<meta property="article:published_time" content="2025-12-05">',
            "<p>x</p>",
            datetime(2025, 12, 5, tzinfo=UTC),
        ),
    ],
)
def test_published_sources(head: str, body: str, expected: datetime):
    published = extract_article(_page(head, body), url=URL).published
    assert published == expected
    assert published is not None and published.tzinfo is UTC


def test_published_prefers_meta_over_json_ld_over_time():
    meta = '<meta property="article:published_time" content="2025-12-01T00:00:00Z">'
    json_ld = (
        '<script type="application/ld+json">{"datePublished": "2025-12-02T00:00:00Z"}</script>'
    )
    body = '<time datetime="2025-12-03T00:00:00Z"></time><p>x</p>'

    def published(head: str) -> datetime | None:
        return extract_article(_page(head, body), url=URL).published

    assert published(json_ld + meta) == datetime(2025, 12, 1, tzinfo=UTC)
    assert published(json_ld) == datetime(2025, 12, 2, tzinfo=UTC)
    assert published("") == datetime(2025, 12, 3, tzinfo=UTC)


def test_published_falls_back_and_ignores_garbage():
    head = (
        '<meta property="article:published_time" content="yesterday-ish">'
        '<script type="application/ld+json">{not json</script>'
    )
    ist = timezone(timedelta(hours=5, minutes=30))
    fallback = datetime(2025, 12, 5, 10, 0, tzinfo=ist)
    article = extract_article(_page(head), url=URL, fallback_published=fallback)
    assert article.published == fallback and article.published.tzinfo is UTC
    assert extract_article(_page(head), url=URL).published is None


def test_byline_from_rel_author_or_byline_class():
    rel = _page(body='<article><a rel="author" href="/a">Ivan Petrov</a><p>x</p></article>')
    assert extract_article(rel, url=URL).byline == "Ivan Petrov"
    cls = _page(body='<div class="byline">  By   Meera Nair </div><p>x</p>')
    assert extract_article(cls, url=URL).byline == "Meera Nair"
    assert extract_article(_page(), url=URL).byline is None


def test_canonical_must_be_http():
    js = _page('<link rel="canonical" href="javascript:alert(1)">')
    assert extract_article(js, url=URL).canonical_url is None
    assert extract_article(_page(), url=URL).canonical_url is None


def test_root_prefers_article_body_itemprop_then_main_then_body():
    item = _page(body='<p>OUTSIDE</p><div itemprop="articleBody"><p>Inside body.</p></div>')
    assert extract_article(item, url=URL).text == "Inside body."
    main = _page(body="<p>OUTSIDE</p><main><p>In main.</p></main>")
    assert extract_article(main, url=URL).text == "In main."
    body = _page(body="<div><p>One.</p></div><p>Two.</p>")
    assert extract_article(body, url=URL).text == "One.\n\nTwo."


def test_the_longest_article_wins_over_teasers():
    body = (
        "<article><p>Teaser.</p></article>"
        "<article><p>The real story, which is much longer than the teaser.</p></article>"
    )
    text = extract_article(_page(body=body), url=URL).text
    assert text == "The real story, which is much longer than the teaser."


def test_nested_blocks_give_each_text_once_in_order():
    body = "<article><ul><li>before <p>inner</p> after</li></ul><p>last</p></article>"
    assert extract_article(_page(body=body), url=URL).text == "before\n\ninner\n\nafter\n\nlast"


def test_text_in_bare_divs_is_still_found():
    body = "<main><div>Only a <b>div</b> here.</div><div>And another.</div></main>"
    assert extract_article(_page(body=body), url=URL).text == "Only a div here.\n\nAnd another."


def test_page_wrapper_with_a_junk_looking_name_is_kept():
    # ASP.NET wraps whole pages in <form>; some sites put "menu-open" on a wrapper.
    body = (
        '<form id="aspnetForm"><div class="wrapper menu-open">'
        "<article><p>Kept text.</p></article></div></form>"
    )
    assert extract_article(_page(body=body), url=URL).text == "Kept text."


@pytest.mark.parametrize(
    "html",
    [
        b"",
        b"   ",
        b"<html><head><title>Only a title</title></head><body></body></html>",
        b"<html><body><nav><p>menu</p></nav><script>var a = 1;</script>"
        b"<footer><p>(c)</p></footer></body></html>",
        b'<html><body><div class="cookie-banner"><p>We use cookies</p></div></body></html>',
    ],
)
def test_textless_page_raises_naming_the_url(html: bytes):
    with pytest.raises(ArticleParseError) as info:
        extract_article(html, url=URL)
    assert info.value.source == URL and URL in str(info.value)


def test_declared_charset_is_honoured():
    html = '<html><head><meta charset="iso-8859-1"></head><body><p>Café</p></body></html>'
    article = extract_article(html.encode("iso-8859-1"), url=URL)
    assert article.text == "Café"


def test_the_page_is_parsed_once(monkeypatch: pytest.MonkeyPatch):
    calls = []
    real = lxml.etree.HTMLParser

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(lxml.etree, "HTMLParser", counting)
    extract_article(PAGE, url=URL)
    assert calls == [{"recover": True, "encoding": "utf-8", "huge_tree": True}]


def test_same_page_gives_the_same_text():
    # Evidence spans downstream are offsets into this text: it must be stable.
    assert extract_article(PAGE, url=URL) == extract_article(PAGE, url=URL)
