"""parse_feed over inline RSS 2.0 and Atom samples."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest import FeedEntry, FeedParseError, parse_feed

RSS_URL = "https://news.example/feeds/summit.rss"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Summit &amp; Trade News</title>
    <link>https://news.example/</link>
    <item>
      <title>&lt;script&gt;alert(1)&lt;/script&gt;Trade target raised to
        &lt;b&gt;$150 bn&lt;/b&gt;</title>
      <link>/story/1</link>
      <guid isPermaLink="false">summit-1</guid>
      <description><![CDATA[<p>India and <b>Russia</b> raise the
        <a href="https://x.example/">trade target</a>.</p><script>steal()</script>]]></description>
      <pubDate>Fri, 05 Dec 2025 10:00:00 +0530</pubDate>
    </item>
    <item>
      <title>Click me</title>
      <link>javascript:alert(document.cookie)</link>
      <guid>evil-1</guid>
    </item>
    <item>
      <title>No guid here</title>
      <link>https://other.example/a/2</link>
      <pubDate>Sat, 06 Dec 2025 08:15:00 GMT</pubDate>
    </item>
    <item>
      <title>No link at all</title>
      <guid isPermaLink="false">lonely</guid>
    </item>
  </channel>
</rss>"""

ATOM_URL = "https://news.example/feeds/atom.xml"

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Atom &lt;i&gt;Summit&lt;/i&gt; feed</title>
  <id>tag:news.example,2025:feed</id>
  <updated>2025-12-05T12:00:00Z</updated>
  <entry>
    <id>tag:news.example,2025:1</id>
    <title>Pact signed</title>
    <link rel="alternate" href="articles/pact"/>
    <link rel="enclosure" href="https://cdn.example/pact.mp3"/>
    <updated>2025-12-05T10:00:00+05:30</updated>
    <summary type="html">&lt;p&gt;Both sides &lt;em&gt;signed&lt;/em&gt;
      12 agreements.&lt;/p&gt;</summary>
  </entry>
  <entry>
    <id>tag:news.example,2025:2</id>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Deadline
      <b>moved</b></div></title>
    <link href="https://news.example/articles/deadline"/>
    <published>2025-12-06T09:00:00Z</published>
  </entry>
</feed>"""


def _rss_items(n: int) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://news.example/{i}</link></item>"
        for i in range(n)
    )
    return f'<rss version="2.0"><channel><title>Many</title>{items}</channel></rss>'.encode()


def test_rss_entries_are_plain_text_with_absolute_links():
    feed = parse_feed(RSS, source_url=RSS_URL)

    assert feed.title == "Summit & Trade News"
    assert feed.entries[0] == FeedEntry(
        guid="summit-1",
        url="https://news.example/story/1",
        title="Trade target raised to $150 bn",
        summary="India and Russia raise the trade target.",
        published=datetime(2025, 12, 5, 4, 30, tzinfo=UTC),
    )


def test_rss_title_with_script_comes_back_as_text_without_tags():
    first = parse_feed(RSS, source_url=RSS_URL).entries[0]
    for field in (first.title, first.summary):
        assert "<" not in field and ">" not in field
        assert "alert" not in field and "steal" not in field


def test_entries_without_http_link_are_skipped_with_a_warning():
    feed = parse_feed(RSS, source_url=RSS_URL)

    assert [e.guid for e in feed.entries] == ["summit-1", "https://other.example/a/2"]
    assert all(e.url.startswith("https://") for e in feed.entries)
    skipped = [w for w in feed.warnings if "skipped" in w]
    assert len(skipped) == 2
    assert any("javascript:" in w for w in skipped)


def test_guid_falls_back_to_the_link():
    entry = parse_feed(RSS, source_url=RSS_URL).entries[1]
    assert entry.guid == entry.url == "https://other.example/a/2"
    assert entry.published == datetime(2025, 12, 6, 8, 15, tzinfo=UTC)


def test_atom_entries():
    feed = parse_feed(ATOM, source_url=ATOM_URL)

    assert feed.title == "Atom Summit feed"
    pact, deadline = feed.entries
    assert pact.guid == "tag:news.example,2025:1"
    assert pact.url == "https://news.example/feeds/articles/pact"  # relative to the feed
    assert pact.summary == "Both sides signed 12 agreements."
    assert pact.published == datetime(2025, 12, 5, 4, 30, tzinfo=UTC)
    assert pact.published.tzinfo is UTC
    assert deadline.title == "Deadline moved"
    assert deadline.published == datetime(2025, 12, 6, 9, 0, tzinfo=UTC)
    assert feed.warnings == ()


def test_content_location_header_is_the_base_for_relative_links():
    feed = parse_feed(
        RSS, source_url=RSS_URL, headers={"Content-Location": "https://mirror.example/x/"}
    )
    assert feed.entries[0].url == "https://mirror.example/story/1"


@pytest.mark.parametrize(
    "body",
    [
        b"this is not XML at all {]",
        b"<html><body><p>A web page, not a feed</p></body></html>",
        b'<?xml version="1.0"?><inventory><item>bolts</item></inventory>',
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"",
        b"   \n",
    ],
)
def test_not_a_feed_raises_naming_the_source(body: bytes):
    with pytest.raises(FeedParseError) as info:
        parse_feed(body, source_url=RSS_URL)
    assert info.value.source == RSS_URL
    assert RSS_URL in str(info.value)


def test_html_content_type_without_a_feed_raises_with_the_reason():
    with pytest.raises(FeedParseError, match="text/html"):
        parse_feed(
            b"<html><body>hi</body></html>",
            source_url=RSS_URL,
            headers={"Content-Type": "text/html"},
        )


def test_malformed_feed_with_entries_is_parsed_with_a_warning():
    body = (
        b'<rss version="2.0"><channel><title>AT&T news</title>'
        b"<item><title>R&D up</title><link>https://news.example/rd</link></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(body, source_url=RSS_URL)
    assert [e.url for e in feed.entries] == ["https://news.example/rd"]
    assert len(feed.warnings) == 1 and "problems" in feed.warnings[0]


def test_a_body_spelling_a_path_is_parsed_not_opened(tmp_path: Path):
    # feedparser opens paths and fetches URLs given as strings; we hand it bytes only.
    feed_file = tmp_path / "feed.xml"
    feed_file.write_bytes(_rss_items(1))
    with pytest.raises(FeedParseError):
        parse_feed(str(feed_file).encode(), source_url=RSS_URL)


def test_max_entries_caps_the_entries_with_a_warning():
    feed = parse_feed(_rss_items(10), source_url=RSS_URL, max_entries=3)

    assert [e.title for e in feed.entries] == ["Item 0", "Item 1", "Item 2"]
    assert any("10 entries" in w and "3" in w for w in feed.warnings)


def test_under_max_entries_nothing_is_dropped():
    feed = parse_feed(_rss_items(3), source_url=RSS_URL, max_entries=3)
    assert len(feed.entries) == 3 and feed.warnings == ()


def test_long_fields_are_truncated_with_a_warning():
    body = (
        b'<rss version="2.0"><channel><title>T</title><item><title>'
        + b"x" * 50
        + b"</title><description>"
        + b"y " * 100
        + b"</description><link>https://news.example/1</link></item></channel></rss>"
    )
    feed = parse_feed(body, source_url=RSS_URL, max_field_chars=20)

    entry = feed.entries[0]
    assert entry.title == "x" * 20
    assert len(entry.summary) == 20
    assert sum("truncated" in w for w in feed.warnings) == 2


def test_entry_without_date_has_none():
    assert parse_feed(_rss_items(1), source_url=RSS_URL).entries[0].published is None
