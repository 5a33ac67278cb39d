"""RSS / Atom parsing over bytes we fetched ourselves.

feedparser is only ever given ``io.BytesIO(body)``: handed a string it fetches URLs
(file:// and ftp:// too, with no timeout or size limit) and opens local paths, even
when the string came from a server (FIELD-NOTES "Security facts"). Everything it
returns is treated as untrusted text: links are checked, markup is stripped.

feedparser's own HTML sanitiser and relative-URI resolver are turned off: they are
slow on big fields (7 s for a 5 MB title) and we keep no markup anyway. Before feedparser, the
bytes are bounded (ingest/_feedbounds.py): entries past ``max_entries`` and the tails
of overlong fields are cut out, and a body with too many elements is refused, so the
time and memory a hostile feed costs stay small.
"""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from ingest._feedbounds import bound_feed
from ingest._text import fragment_to_text
from ingest.errors import FeedParseError
from ingest.urls import is_http_url

__all__ = ["FeedEntry", "ParsedFeed", "parse_feed"]

# The response headers feedparser uses when it did not fetch: the charset, the base
# for relative links (Content-Location), and the default language.
_USEFUL_HEADERS = ("content-type", "content-location", "content-language")


@dataclass(frozen=True)
class FeedEntry:
    guid: str  # the entry's id, else its link: stable across fetches
    url: str  # absolute http(s) link to the article
    title: str  # plain text
    summary: str  # plain text
    published: datetime | None  # UTC-aware


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...]  # what was dropped or odd, for the run's record


def parse_feed(
    body: bytes,
    *,
    source_url: str,
    headers: Mapping[str, str] | None = None,
    max_entries: int = 500,
    max_field_chars: int = 10_000,
) -> ParsedFeed:
    """Parse an RSS or Atom document fetched from ``source_url``.

    Raises ``FeedParseError`` (naming ``source_url``) when nothing feed-like is found;
    recoverable oddities become ``warnings``.
    """
    if not body.strip():
        raise FeedParseError(source_url, "empty body")
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    response_headers = {k: v for k, v in response_headers.items() if k in _USEFUL_HEADERS}
    # Relative links resolve against where the feed came from (feedparser docs: pass
    # the location as Content-Location when feedparser did not fetch the feed).
    response_headers.setdefault("content-location", source_url)
    # Without a Content-Type feedparser flags every feed as bozo ("no Content-type
    # specified"). application/xml (unlike text/xml, RFC 3023) lets the XML
    # declaration pick the charset, which is what a missing header should mean.
    response_headers.setdefault("content-type", "application/xml")

    field_bytes = max(8 * max_field_chars, 65_536)  # markup and entities take room too
    try:
        bounded = bound_feed(
            body,
            max_entries=max_entries,
            max_field_bytes=field_bytes,
            max_elements=max(10_000, 100 * max_entries),
        )
    except ValueError as exc:
        raise FeedParseError(source_url, f"not parsed: {exc}") from exc
    result = feedparser.parse(
        io.BytesIO(bounded.body),
        response_headers=response_headers,
        sanitize_html=False,  # fragment_to_text keeps no markup at all
        resolve_relative_uris=False,  # links inside markup are dropped with it
    )
    feed_title_raw = str(result.feed.get("title", ""))
    raw_entries: list[Any] = list(result.entries)
    reason = _bozo_reason(result)
    if not raw_entries and not feed_title_raw.strip() and (reason or not result.get("version")):
        raise FeedParseError(source_url, f"not an RSS or Atom feed ({reason or 'no feed found'})")

    warnings: list[str] = []
    if reason:
        warnings.append(f"feed parsed despite problems: {reason}")
    if bounded.fields_cut:
        warnings.append(f"{bounded.fields_cut} fields cut to {field_bytes} bytes before parsing")
    if max(len(raw_entries), bounded.entries) > max_entries:
        found = max(len(raw_entries), bounded.entries)
        warnings.append(f"{found} entries, only the first {max_entries} kept")
        raw_entries = raw_entries[:max_entries]

    def text(value: Any, what: str) -> str:
        plain = fragment_to_text(str(value or ""))
        if len(plain) > max_field_chars:
            warnings.append(f"{what} truncated to {max_field_chars} characters")
            plain = plain[:max_field_chars]
        return plain

    title = text(feed_title_raw, "feed title")
    entries: list[FeedEntry] = []
    first_with: dict[str, int] = {}  # guid -> index of the entry that has it
    for index, raw in enumerate(raw_entries):
        label = f"entry {index}"
        link = str(raw.get("link") or "").strip()
        url = urljoin(source_url, link) if link else ""
        if not is_http_url(url):
            warnings.append(f"{label}: no http(s) link ({link[:80]!r}), skipped")
            continue
        guid = str(raw.get("id") or "").strip()[:max_field_chars] or url
        if guid in first_with:
            # One feed, one entry per id: the first one (the newest, in feed order).
            warnings.append(f"{label}: same id as entry {first_with[guid]}, skipped")
            continue
        first_with[guid] = index
        entries.append(
            FeedEntry(
                guid=guid,
                url=url,
                title=text(raw.get("title"), f"{label} title"),
                summary=text(raw.get("summary"), f"{label} summary"),
                published=_published(raw),
            )
        )
    if not entries and not result.get("version"):
        # Some XML with <item>s but no known feed format: an API answer or an error
        # page, not a feed that happens to be empty.
        raise FeedParseError(source_url, f"not an RSS or Atom feed ({reason or 'no format'})")
    return ParsedFeed(title=title, entries=tuple(entries), warnings=tuple(warnings))


def _bozo_reason(result: Any) -> str:
    if not result.get("bozo"):
        return ""
    exc = result.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}" if exc is not None else "malformed"


def _published(raw: Any) -> datetime | None:
    # feedparser normalises every date format it knows to a UTC struct_time.
    parsed: time.struct_time | None = raw.get("published_parsed") or raw.get("updated_parsed")
    if parsed is None:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):  # e.g. a year 0 from a broken date
        return None
