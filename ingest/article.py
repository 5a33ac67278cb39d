"""Article text and metadata from an HTML page.

One BeautifulSoup parse (lxml parser) per page: metadata is read first (JSON-LD lives
in <script>, the headline and byline often sit in <header>, both of which are dropped
later), then page furniture is removed and the article body turned into paragraphs.

The text is one paragraph per block element, joined with a blank line, whitespace
collapsed inside each paragraph: downstream, fact evidence is stored as character
spans into this text, so the same page must always give the same string.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from ingest._text import collapse_whitespace
from ingest.errors import ArticleParseError
from ingest.urls import canonical_url, is_http_url

__all__ = ["ArticleContent", "extract_article"]

# Elements that are never article text, dropped with everything inside.
# fmt: off
_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "object", "embed", "canvas", "dialog", "select",
})
# fmt: on
# Class/id tokens of page furniture. Matched as whole tokens of the class or id
# ("ad-slot" -> ad, slot; "adBanner" -> ad, banner), never as substrings, so
# "headline", "shadow" or "download" do not match "ad".
# fmt: off
_JUNK_TOKENS = frozenset({
    "ad", "ads", "advert", "adverts", "advertisement", "advertising", "promo", "promos",
    "sponsored", "related", "share", "sharing", "social", "cookie", "cookies", "consent",
    "newsletter", "subscribe", "subscription", "comment", "comments", "breadcrumb",
    "breadcrumbs", "menu", "sidebar",
})
# fmt: on
# Never removed for their class or id: the containers the text is taken from.
_KEEP_TAGS = frozenset({"html", "body", "main", "article"})
# Each of these becomes one paragraph of the text.
_BLOCKS = frozenset({"p", "h2", "h3", "h4", "li", "blockquote", "figcaption"})
# Used only when a page has none of the above (text in bare <div>s).
# fmt: off
_FALLBACK_BLOCKS = _BLOCKS | frozenset({
    "div", "section", "td", "th", "dd", "dt", "pre", "h1", "h5", "h6", "address", "article",
    "main", "body",
})
# fmt: on
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
_MAX_BYLINE = 200
_JSON_LD_BUDGET = 10_000  # nodes visited per JSON-LD block: bounded work on odd pages


@dataclass(frozen=True)
class ArticleContent:
    title: str
    published: datetime | None  # UTC-aware
    outlet: str
    text: str  # paragraphs joined with "\n\n"
    canonical_url: str | None
    byline: str | None


def extract_article(
    html: bytes,
    *,
    url: str,
    fallback_title: str | None = None,
    fallback_published: datetime | None = None,
) -> ArticleContent:
    """Extract the article of a page fetched from ``url``.

    ``fallback_title`` / ``fallback_published`` (usually from the feed entry) are used
    when the page itself has none. Raises ``ArticleParseError`` when there is no text.
    """
    if not html.strip():
        raise ArticleParseError(url, "empty page")
    soup = BeautifulSoup(html, "lxml")
    meta = _meta_values(soup)

    title = meta.get("og:title") or _text_of(soup.find("h1")) or _text_of(soup.title)
    published = _first_datetime(
        [
            meta.get("article:published_time"),
            _itemprop_date(soup),
            *_json_ld_dates(soup),
            _first_time_datetime(soup),
        ]
    ) or _as_utc(fallback_published)
    outlet = meta.get("og:site_name") or meta.get("application-name") or _host(url)
    byline = _byline(soup, meta)
    canonical = _canonical(soup, url)

    _remove_junk(soup)
    text = _body_text(soup)
    if not text:
        raise ArticleParseError(url, "no article text found")
    return ArticleContent(
        title=title or collapse_whitespace(fallback_title or ""),
        published=published,
        outlet=outlet,
        text=text,
        canonical_url=canonical,
        byline=byline,
    )


# --- metadata -------------------------------------------------------------------------


def _meta_values(soup: BeautifulSoup) -> dict[str, str]:
    """<meta> content by lower-cased property / name / itemprop; the first one wins."""
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = collapse_whitespace(str(tag.get("content") or ""))
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = str(tag.get(attr) or "").strip().lower()
            if key:
                values.setdefault(key, content)
    return values


def _text_of(tag: Any) -> str:
    return collapse_whitespace(tag.get_text(" ")) if isinstance(tag, Tag) else ""


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.")


def _canonical(soup: BeautifulSoup, url: str) -> str | None:
    link = soup.find("link", rel="canonical")  # rel is multi-valued; bs4 matches any
    href = str(link.get("href") or "").strip() if isinstance(link, Tag) else ""
    if not href:
        return None
    absolute = urljoin(url, href)
    return canonical_url(absolute) if is_http_url(absolute) else None


def _byline(soup: BeautifulSoup, meta: dict[str, str]) -> str | None:
    candidates = [meta.get("author", "")]
    scope = soup.find("article") or soup
    found = scope.select_one('a[rel~="author"], [itemprop~="author"], .byline')
    candidates.append(_text_of(found))
    for candidate in candidates:
        name = _BY_PREFIX.sub("", candidate).strip()
        if name:
            return name[:_MAX_BYLINE]
    return None


def _itemprop_date(soup: BeautifulSoup) -> str | None:
    tag = soup.find(itemprop="datePublished")
    if not isinstance(tag, Tag):
        return None
    return str(tag.get("content") or tag.get("datetime") or tag.get_text(" "))


def _first_time_datetime(soup: BeautifulSoup) -> str | None:
    # The article's own <time> before any in the page's chrome.
    scope = soup.find("article") or soup
    tag = scope.find("time", datetime=True) or soup.find("time", datetime=True)
    return str(tag.get("datetime")) if isinstance(tag, Tag) else None


def _json_ld_dates(soup: BeautifulSoup) -> list[str]:
    dates: list[str] = []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            continue
        # Breadth first, so a top-level Article's date beats one nested deeper.
        queue: deque[Any] = deque([data])
        budget = _JSON_LD_BUDGET
        while queue and budget > 0:
            budget -= 1
            node = queue.popleft()
            if isinstance(node, dict):
                value = node.get("datePublished")
                if isinstance(value, str):
                    dates.append(value)
                queue.extend(node.values())
            elif isinstance(node, list):
                queue.extend(node)
    return dates


def _first_datetime(candidates: list[str | None]) -> datetime | None:
    for candidate in candidates:
        parsed = _parse_datetime(candidate)
        if parsed is not None:
            return parsed
    return None


def _parse_datetime(text: str | None) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        # 3.11's fromisoformat reads most ISO 8601, including "Z" and date-only.
        return _as_utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return _as_utc(parsedate_to_datetime(text))  # RFC 2822, as some CMSs emit
    except (TypeError, ValueError, IndexError):
        return None


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # A time without a zone is taken as UTC: there is nothing better to go on.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- body text ------------------------------------------------------------------------


def _is_junk(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    if tag.name in _KEEP_TAGS or tag.get("itemprop") == "articleBody":
        return False
    classes = tag.get("class")  # a list: bs4 splits multi-valued attributes
    names = [str(c) for c in classes] if isinstance(classes, list) else [str(classes or "")]
    names.append(str(tag.get("id") or ""))
    for name in names:
        tokens = _TOKEN_SPLIT.split(_CAMEL.sub(r"\1 \2", name).lower())
        if _JUNK_TOKENS.intersection(tokens):
            return True
    return False


def _remove_junk(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(True):
        if tag.decomposed or not _is_junk(tag):
            continue
        # A "junk" element that wraps the article is a page wrapper (ASP.NET wraps
        # whole pages in <form>; a body-level div may carry "menu-open"): keep it.
        if tag.find(["article", "main"]) or tag.find(itemprop="articleBody"):
            continue
        tag.decompose()


def _body_text(soup: BeautifulSoup) -> str:
    articles = soup.find_all("article")
    # Several <article>s (teasers, nested comments): the one with the most text.
    best = max(articles, key=lambda a: len(a.get_text()), default=None)
    roots = [best, soup.find(itemprop="articleBody"), soup.find("main"), soup.body]
    for blocks in (_BLOCKS, _FALLBACK_BLOCKS):
        for root in roots:
            if isinstance(root, Tag):
                paragraphs = _paragraphs(root, blocks)
                if paragraphs:
                    return "\n\n".join(paragraphs)
    return ""


def _paragraphs(root: Tag, blocks: frozenset[str]) -> list[str]:
    """One paragraph per innermost block element, in document order.

    Text directly inside a block is split where a nested block starts, so
    "<li>a<p>b</p>c</li>" gives "a", "b", "c" in that order and nothing twice.
    """
    paragraphs: list[str] = []
    buffer: list[str] = []
    current: Tag | None = None
    block_of: dict[int, Tag | None] = {}

    def flush() -> None:
        paragraph = collapse_whitespace("".join(buffer))
        if paragraph:
            paragraphs.append(paragraph)
        buffer.clear()

    for node in root.descendants:
        if isinstance(node, Tag):
            if node.name == "br":
                buffer.append(" ")
            continue
        # Plain text only: not comments, CDATA, doctype, or script/style strings.
        if type(node) is not NavigableString or node.parent is None:
            continue
        block = _enclosing_block(node.parent, root, blocks, block_of)
        if block is None:
            continue
        if block is not current:
            flush()
            current = block
        buffer.append(str(node))
    flush()
    return paragraphs


def _enclosing_block(
    tag: Tag, root: Tag, blocks: frozenset[str], cache: dict[int, Tag | None]
) -> Tag | None:
    path: list[Tag] = []
    found: Tag | None = None
    node: Tag | None = tag
    while node is not None:
        key = id(node)
        if key in cache:
            found = cache[key]
            break
        path.append(node)
        if node.name in blocks:
            found = node
            break
        if node is root:
            break
        node = node.parent
    for visited in path:
        cache[id(visited)] = found
    return found
