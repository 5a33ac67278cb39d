"""Hostile feeds: parse_feed over bytes built to hurt it.

feedparser only ever gets bytes (a path or URL in the body is text, never opened or
fetched); XML entities do not expand or read files; entry counts and field lengths
are capped in bounded time and memory.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest import FeedParseError, FetchLimits, FetchTooLarge, ParsedFeed, fetch, parse_feed
from tests.security.conftest import Conn, HostileServer

URL = "https://news.example/feed.xml"
MB = 1024 * 1024


def _rss(items: bytes, title: bytes = b"Feed", prolog: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8"?>' + prolog + b'<rss version="2.0"><channel>'
        b"<title>" + title + b"</title>" + items + b"</channel></rss>"
    )


def _item(title: str, link: str, guid: str | None = None, summary: str = "") -> bytes:
    guid_xml = f'<guid isPermaLink="false">{guid}</guid>' if guid is not None else ""
    return (
        f"<item><title>{title}</title><link>{link}</link>{guid_xml}"
        f"<description>{summary}</description></item>"
    ).encode()


def _measured(call: Callable[[], Any]) -> tuple[Any, float, int]:
    """What ``call`` returns, its seconds and its peak traced memory in bytes."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = call()
        return result, time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- a body is never a path or a URL ---------------------------------------------------


def test_a_body_that_spells_a_local_path_is_not_opened(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(_rss(_item("From disk", "https://news.example/disk")))
    for body in (b"/etc/passwd", str(feed).encode(), feed.as_uri().encode()):
        with pytest.raises(FeedParseError):
            parse_feed(body, source_url=URL)


def test_a_body_that_spells_a_url_is_not_fetched(server: HostileServer) -> None:
    server.route("/", lambda c: c.respond(200, _rss(_item("Fetched", "https://n.example/x"))))
    with pytest.raises(FeedParseError):
        parse_feed(server.url("/feed.xml").encode(), source_url=URL)
    assert server.seen == []


# --- XML attacks -----------------------------------------------------------------------

LAUGHS = (
    b'<!DOCTYPE rss [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]>"
)


def test_billion_laughs_does_not_expand() -> None:
    # On one line: feedparser's own guard only sees declarations that start a line.
    body = _rss(_item("&lol9;", "https://news.example/a", summary="&lol9;"), prolog=LAUGHS)

    started = time.monotonic()
    result = _parse_or_error(body)

    assert time.monotonic() - started < 0.5  # expat's own limit stops at about 0.7 s
    assert isinstance(result, ParsedFeed)
    [entry] = result.entries
    assert "lollol" not in entry.title + entry.summary


def test_character_entities_declared_in_the_doctype_still_work() -> None:
    prolog = b'<!DOCTYPE rss [<!ENTITY nbsp "&#160;"> <!ENTITY mdash "&#x2014;">]>'
    body = _rss(_item("A&mdash;B&nbsp;C", "https://news.example/a"), prolog=prolog)
    [entry] = parse_feed(body, source_url=URL).entries
    assert entry.title == "A\u2014B C"


def _parse_or_error(body: bytes) -> ParsedFeed | FeedParseError:
    try:
        return parse_feed(body, source_url=URL)
    except FeedParseError as exc:
        return exc


def test_external_entities_and_dtds_are_not_read(tmp_path: Path, server: HostileServer) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    server.route("/", lambda c: c.respond(200, b"<!ENTITY remote 'REMOTE-MARKER'>"))
    prolog = (
        f'<!DOCTYPE rss SYSTEM "{server.url("/evil.dtd")}" ['
        f'<!ENTITY file SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY net SYSTEM "{server.url("/entity")}">'
        f'<!ENTITY % param SYSTEM "{server.url("/param.dtd")}"> %param;]>'
    ).encode()
    body = _rss(_item("a &file; b &net; c &remote;", "https://news.example/a"), prolog=prolog)

    result = _parse_or_error(body)

    shown = str(result) if isinstance(result, FeedParseError) else repr(result)
    assert "MARKER" not in shown
    assert server.seen == []  # neither the DTD nor the entities were fetched


# --- counts and sizes ------------------------------------------------------------------


def test_a_million_entries_are_capped_in_bounded_time() -> None:
    body = _rss(b"".join(b"<item><link>/%d</link></item>" % i for i in range(1_000_000)))
    assert len(body) > 30 * MB  # past fetch's cap: parse_feed must hold on its own

    started = time.monotonic()
    feed = parse_feed(body, source_url=URL, max_entries=500)

    # Unbounded, feedparser needs about 8 s per 5 MiB of entries.
    assert time.monotonic() - started < 3
    assert [e.url for e in feed.entries] == [f"https://news.example/{i}" for i in range(500)]
    assert "1000000 entries, only the first 500 kept" in feed.warnings


def test_a_capped_body_full_of_empty_entries_is_quick_and_small() -> None:
    # What fetch's 5 MiB cap lets through: 750,000 "<item/>" (unbounded: 8 s, 130 MB).
    body = _rss(b"<item/>" * ((5 * MB - 100) // 7))
    started = time.monotonic()
    parse_feed(body, source_url=URL)
    assert time.monotonic() - started < 1.5
    feed, _, peak = _measured(lambda: parse_feed(body, source_url=URL))
    assert feed.entries == () and peak < 30 * MB
    assert any("entries, only the first 500 kept" in w for w in feed.warnings)


def test_many_elements_outside_entries_are_refused() -> None:
    body = _rss(b"<x/>" * 1_000_000)  # 4 MB of channel-level elements (unbounded: 9.5 s)
    started = time.monotonic()
    with pytest.raises(FeedParseError, match="1000003 elements, more than 50000"):
        parse_feed(body, source_url=URL)
    assert time.monotonic() - started < 0.5


def test_atom_entries_past_the_cap_are_cut_too() -> None:
    entry = b"<entry><id>x:%d</id><link href='https://news.example/%d'/></entry>"
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        + b"".join(entry % (i, i) for i in range(2000))
        + b"<title>ignored</title></feed>"
    )
    feed = parse_feed(body, source_url=URL, max_entries=10)
    assert [e.url for e in feed.entries] == [f"https://news.example/{i}" for i in range(10)]
    assert "2000 entries, only the first 10 kept" in feed.warnings


def test_a_title_as_big_as_the_cap_is_truncated_quickly() -> None:
    title = b"<b>Big</b> " * (5 * MB // 11)  # markup too: fragment_to_text sees it all
    body = _rss(_item("t", "https://news.example/a"), title=title.replace(b"<", b"&lt;"))

    feed, seconds, _ = _measured(lambda: parse_feed(body, source_url=URL))

    assert len(feed.title) == 10_000 and "<" not in feed.title
    assert "feed title truncated to 10000 characters" in feed.warnings
    assert seconds < 5


def test_a_50_mb_feed_is_refused_by_fetch_before_parsing(server: HostileServer) -> None:
    def big(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n<rss><channel><title>")
        for _ in range(50):
            if not conn.send(b"A" * MB):
                return

    server.route("/feed", big)
    with httpx.Client() as client, pytest.raises(FetchTooLarge):
        fetch(
            client,
            server.url("/feed"),
            limits=FetchLimits(max_bytes=MB),
            allow_private_networks=True,
        )


# --- the same entries again --------------------------------------------------------------


def test_the_same_feed_twice_parses_the_same() -> None:
    body = _rss(_item("One", "https://news.example/1", "g1") + _item("Two", "/2", "g2"))
    assert parse_feed(body, source_url=URL) == parse_feed(body, source_url=URL)


def test_the_same_guid_twice_in_one_feed_keeps_the_first() -> None:
    body = _rss(
        _item("Updated story", "https://news.example/1?v=2", "g1")
        + _item("Original story", "https://news.example/1", "g1")
    )
    feed = parse_feed(body, source_url=URL)
    assert [(e.guid, e.title) for e in feed.entries] == [("g1", "Updated story")]
    assert "entry 1: same id as entry 0, skipped" in feed.warnings


def test_the_same_guid_with_new_content_later_keeps_its_id() -> None:
    # parse_feed has no memory: the pipeline recognises the entry as seen by its id
    # (Store.known_entries), whatever its new title or link.
    before = parse_feed(_rss(_item("Old", "https://news.example/1", "g1")), source_url=URL)
    after = parse_feed(_rss(_item("New!", "https://news.example/1-new", "g1")), source_url=URL)
    assert before.entries[0].guid == after.entries[0].guid == "g1"
    assert after.entries[0].title == "New!"


def test_entries_without_guid_fall_back_to_their_link_and_dedupe_on_it() -> None:
    body = _rss(_item("A", "/a") + _item("A again", "https://news.example/a") + _item("B", "/b"))
    feed = parse_feed(body, source_url=URL)
    assert [(e.guid, e.title) for e in feed.entries] == [
        ("https://news.example/a", "A"),
        ("https://news.example/b", "B"),
    ]


def test_a_huge_guid_is_capped() -> None:
    body = _rss(_item("A", "https://news.example/a", "g" * 100_000))
    [entry] = parse_feed(body, source_url=URL, max_field_chars=1000).entries
    assert entry.guid == "g" * 1000


# --- markup in feeds -------------------------------------------------------------------

HOSTILE_SUMMARY = (
    "<![CDATA[<p>Trade <b>rose</b><script>alert(1)</script>"
    '<img src=x onerror=alert(2)><a href="java&#x09;script:alert(3)">link</a>'
    '<svg><a xlink:href="javascript:alert(4)">svg</a></svg>'
    '<form action="https://evil.example/"><input type="password" name="pw"></form></p>]]>'
)


def test_feed_text_comes_back_without_any_markup() -> None:
    body = _rss(
        _item("&lt;script&gt;alert(5)&lt;/script&gt;Title", "https://news.example/a", "g",
              HOSTILE_SUMMARY)
    )  # fmt: skip
    [entry] = parse_feed(body, source_url=URL).entries
    assert entry.title == "Title"
    assert entry.summary == "Trade roselink"  # inline elements join their text
    for text in (entry.title, entry.summary):
        assert "<" not in text and "alert" not in text and "javascript" not in text


def test_a_title_with_cr_lf_comes_back_on_one_line() -> None:
    body = _rss(_item("Trade up&#13;&#10;Bcc: evil@example.org", "https://news.example/a"))
    [entry] = parse_feed(body, source_url=URL).entries
    assert entry.title == "Trade up Bcc: evil@example.org"


def test_a_long_field_is_cut_at_a_character_and_an_entity_boundary() -> None:
    title = ("é&amp;" * 20_000).encode()  # 140,000 bytes of text, entities all along
    feed = parse_feed(_rss(_item("t", "https://news.example/a"), title=title), source_url=URL)
    assert feed.title == "é&" * 5000  # max_field_chars, with nothing broken on the way
    assert "1 fields cut to 80000 bytes before parsing" in feed.warnings
    assert not any("problems" in w for w in feed.warnings)  # still well-formed XML


def test_utf16_feeds_are_read_and_measured_like_the_others() -> None:
    small = _rss(_item("Ünïcode", "https://news.example/a")).decode().replace("utf-8", "utf-16")
    [entry] = parse_feed(small.encode("utf-16"), source_url=URL).entries
    assert entry.title == "Ünïcode"
    big = _rss(b"<item><link>/a</link></item>" * 600).decode().replace("utf-8", "utf-16")
    with pytest.raises(FeedParseError, match="utf-16"):
        parse_feed(big.encode("utf-16"), source_url=URL)
