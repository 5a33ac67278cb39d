"""Article text and metadata from an HTML page.

One lxml parse per page, read in place: metadata first (JSON-LD lives in <script>, the headline
and byline often sit in <header>, both page furniture), then the article body is turned into
paragraphs, furniture skipped on the way rather than cut out of the tree.

The text is one paragraph per block element, joined with a blank line, whitespace collapsed
inside each paragraph: fact evidence is stored as character spans into this text, so the same
page must always give the same string. The rules were first written against a BeautifulSoup
tree (lxml parser): _parse and _strings read it as bs4 did (bar a <!DOCTYPE> in mid-page).
"""

from __future__ import annotations

import functools
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from bs4.dammit import EncodingDetector
from lxml import etree

from ingest._text import collapse_whitespace
from ingest._tree import canonical_link, wraps_article
from ingest.errors import ArticleParseError

__all__ = ["ArticleContent", "extract_article"]

# Elements that are never article text, skipped with everything inside.
# fmt: off
_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "object", "embed", "canvas", "dialog", "select",
})
# Class/id tokens of page furniture. Matched as whole tokens of the class or id
# ("ad-slot" -> ad, slot; "adBanner" -> ad, banner), never as substrings, so
# "headline", "shadow" or "download" do not match "ad".
_JUNK_TOKENS = frozenset({
    "ad", "ads", "advert", "adverts", "advertisement", "advertising", "promo", "promos",
    "sponsored", "related", "share", "sharing", "social", "cookie", "cookies", "consent",
    "newsletter", "subscribe", "subscription", "comment", "comments", "breadcrumb",
    "breadcrumbs", "menu", "sidebar",
})
# Never furniture for their class or id: the containers the text is taken from.
_KEEP_TAGS = frozenset({"html", "body", "main", "article"})
# Each of these becomes one paragraph of the text.
_BLOCKS = frozenset({"p", "h2", "h3", "h4", "li", "blockquote", "figcaption"})
# Used only when a page has none of the above (text in bare <div>s).
_FALLBACK_BLOCKS = _BLOCKS | frozenset({
    "div", "section", "td", "th", "dd", "dt", "pre", "h1", "h5", "h6", "address", "article",
    "main", "body",
})
# fmt: on
_CONTAINERS = frozenset({"script", "style", "template", "rt", "rp"})  # hold no text
_PRESERVE = frozenset({"pre", "textarea"})  # where whitespace strings keep their length
_ASCII_SPACES = " \n\t\f\r"
_WALK = ("start", "end", "comment", "pi")  # a comment's (or PI's) tail is a string
_BR, _END = object(), object()  # stand in for a block in _strings and _paragraphs
_Strings = Iterator[tuple[Any, str]]
# huge_tree: libxml2's tree goes 2048 levels deep, not 256 (bs4's had no limit, deeper is lost).
# It lifts a 10 MB limit on one text or attribute too, kept by bs4's parse: not in pages this small.
_HUGE_TREE_SAFE = 3_000_000
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CSS_SPACE = re.compile(r"[ \t\r\n\f]")  # what separates the tokens of a CSS [a~=b]
_BY_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
_MAX_BYLINE = 200
_JSON_LD_BUDGET = 10_000  # nodes visited per JSON-LD block: bounded work on odd pages
# Wider than the selector they stand for (substrings, not tokens): _byline decides.
_BYLINE = "descendant-or-self::*[(self::a and contains(@rel, 'author'))"
_BYLINES = etree.XPath(_BYLINE + " or contains(@itemprop, 'author') or contains(@class, 'byline')]")
_DATE_PUBLISHED = etree.XPath("descendant-or-self::*[@itemprop = 'datePublished']")
_ARTICLE_BODIES = etree.XPath("descendant-or-self::*[@itemprop = 'articleBody']")


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
    root = _parse(html)
    meta = _meta_values(root)
    article = next(root.iter("article"), None)  # the first: where byline and time are sought

    title = meta.get("og:title") or collapse_whitespace(_get_text(next(root.iter("h1"), None), " "))
    title = title or collapse_whitespace(_get_text(next(root.iter("title"), None), " "))
    published = _first_datetime(
        [
            meta.get("article:published_time"),
            _itemprop_date(root),
            *_json_ld_dates(root),
            _first_time_datetime(root, article),
        ]
    ) or _as_utc(fallback_published)
    outlet = meta.get("og:site_name") or meta.get("application-name") or _host(url)
    byline = _byline(root, article, meta)
    canonical = canonical_link(root, url)

    text = _body_text(root)
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


def _parse(html: bytes) -> Any:
    """The page's <html> element, holding the whole document. As in bs4, EncodingDetector
    chooses the encoding (byte-order mark, declared charset, charset_normalizer's guess,
    UTF-8, windows-1252; the next only if lxml does not know the name)."""
    detector = EncodingDetector(html, known_definite_encodings=[], user_encodings=[], is_html=True)
    markup = detector.markup  # without its byte-order mark
    huge = len(markup) <= _HUGE_TREE_SAFE
    for encoding in detector.encodings:  # lazily: charset_normalizer runs only if reached
        try:
            parser = etree.HTMLParser(recover=True, encoding=encoding, huge_tree=huge)
        except LookupError:  # a declared charset lxml does not know
            continue
        parser.feed(markup)
        try:
            root = parser.close()
        except etree.XMLSyntaxError:  # libxml2 decodes all first: one byte invalid in the
            break  # encoding, and there is no document (nor was there for bs4)
        if root is None:
            break
        # Markup after </html> makes libxml2 start another <html>; moved under the first
        # one it changes nothing read here (<html> is no block, container or furniture).
        for extra in [e for e in root.itersiblings() if isinstance(e.tag, str)]:
            root.append(extra)
        return root
    return etree.Element("html")  # no element at all: comments, a doctype, nothing


def _strings(root: Any, blocks: frozenset[str] = frozenset(), body: bool = False) -> _Strings:
    """The strings below ``root`` as bs4 has them (its get_text), each with its block (the
    innermost of ``blocks``, up to root, or None), and (_BR, " ") for each <br>: texts and
    tails outside <script>, <style>, <template>, <rt> and <rp> (but a <script>'s own for a
    <script>, ...); a string of ASCII whitespace outside <pre> and <textarea> is one space
    or newline. ``body``: as the body is read, furniture skipped, text strings only."""
    wanted = root.tag if root.tag in _CONTAINERS and not body else None
    around = [root, *root.iterancestors()]
    kind = next((e.tag for e in around if e.tag in _CONTAINERS), None)  # the innermost
    preserved = any(e.tag in _PRESERVE for e in around)
    block = root if root.tag in blocks else None
    stack: list[tuple[str | None, bool, Any]] = []
    walk = etree.iterwalk(root, events=_WALK)
    for event, node in walk:
        if event == "start":
            if node is not root:
                kind, preserved, block = stack[-1]
                if body and _is_furniture(node):
                    walk.skip_subtree()
                    stack.append(stack[-1])
                    continue
                if node.tag == "br":
                    yield _BR, " "
                kind = node.tag if node.tag in _CONTAINERS else kind
                preserved = preserved or node.tag in _PRESERVE
                block = node if node.tag in blocks else block
            stack.append((kind, preserved, block))
            string = node.text
        else:
            if event == "end":
                stack.pop()
                if node is root:
                    break
            kind, preserved, block = stack[-1]
            string = node.tail
        if string and kind == wanted:
            spaces = not preserved and not string.strip(_ASCII_SPACES)
            yield block, ("\n" if "\n" in string else " ") if spaces else string


# --- metadata -------------------------------------------------------------------------


def _meta_values(root: Any) -> dict[str, str]:
    """<meta> content by lower-cased property / name / itemprop; the first one wins."""
    values: dict[str, str] = {}
    for tag in root.iter("meta"):
        content = collapse_whitespace(tag.get("content") or "")
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (tag.get(attr) or "").strip().lower()
            if key:
                values.setdefault(key, content)
    return values


def _get_text(element: Any, separator: str = "", body: bool = False) -> str:
    strings = _strings(element, body=body) if element is not None else ()
    return separator.join(s for b, s in strings if b is not _BR)


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.")


def _byline(root: Any, article: Any, meta: dict[str, str]) -> str | None:
    # a[rel~="author"], [itemprop~="author"], .byline: in the article if any, else anywhere
    found = (
        e
        for e in _BYLINES(root if article is None else article)
        if e is not article
        and (
            (e.tag == "a" and "author" in (e.get("rel") or "").split())
            or "author" in _CSS_SPACE.split(e.get("itemprop") or "")
            or "byline" in (e.get("class") or "").split()
        )
    )
    text = collapse_whitespace(_get_text(next(found, None), " "))
    for candidate in (meta.get("author", ""), text):
        name = _BY_PREFIX.sub("", candidate).strip()
        if name:
            return name[:_MAX_BYLINE]
    return None


def _itemprop_date(root: Any) -> str | None:
    for tag in _DATE_PUBLISHED(root)[:1]:  # the first
        return str(tag.get("content") or tag.get("datetime") or _get_text(tag, " "))
    return None


def _first_time_datetime(root: Any, article: Any) -> str | None:
    scopes = (root,) if article is None else (article, root)  # the article's <time> first
    times = (e for scope in scopes for e in scope.iter("time") if e.get("datetime") is not None)
    return next((str(e.get("datetime")) for e in times), None)


def _json_ld_dates(root: Any) -> list[str]:
    dates: list[str] = []
    for script in root.iter("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:  # a <script> holds raw text: one string or none
            data = json.loads(script.text or "")
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
    except (ValueError, OverflowError):  # 0001-01-01T00:00+01:00 overflows in UTC
        pass
    try:
        return _as_utc(parsedate_to_datetime(text))  # RFC 2822, as some CMSs emit
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    # A time without a zone is taken as UTC: there is nothing better to go on.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- body text ------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _junk_names(classes: str, ident: str) -> bool:
    for name in (*classes.split(), ident):
        tokens = _TOKEN_SPLIT.split(_CAMEL.sub(r"\1 \2", name).lower())
        if _JUNK_TOKENS.intersection(tokens):
            return True
    return False


def _is_furniture(element: Any) -> bool:
    """Skipped with everything inside: junk, unless it wraps the article (ASP.NET wraps
    whole pages in <form>; a body-level div may carry "menu-open")."""
    tag = element.tag
    if tag not in _DROP_TAGS:
        if tag in _KEEP_TAGS or element.get("itemprop") == "articleBody":
            return False
        if not _junk_names(element.get("class") or "", element.get("id") or ""):
            return False
    return not wraps_article(element)


def _in_furniture(element: Any) -> bool:
    return any(map(_is_furniture, (element, *element.iterancestors())))


def _body_text(root: Any) -> str:
    # No article or <main> is furniture, nor anything around them; a <body> can be (in <head>).
    articles = list(root.iter("article"))
    best = articles[0] if len(articles) == 1 else None
    if len(articles) > 1:  # teasers, nested comments: the one with the most text
        best = max(articles, key=lambda a: len(_get_text(a, body=True)))

    def roots() -> Iterator[Any]:
        yield best
        yield next((e for e in _ARTICLE_BODIES(root) if not _in_furniture(e)), None)
        yield next(root.iter("main"), None)
        yield next((e for e in root.iter("body") if not _in_furniture(e)), None)

    for blocks in (_BLOCKS, _FALLBACK_BLOCKS):
        for candidate in roots():
            paragraphs = _paragraphs(candidate, blocks) if candidate is not None else []
            if paragraphs:
                return "\n\n".join(paragraphs)
    return ""


def _paragraphs(root: Any, blocks: frozenset[str]) -> list[str]:
    """One paragraph per innermost block element, in document order.

    Text directly inside a block is split where a nested block starts, so
    "<li>a<p>b</p>c</li>" gives "a", "b", "c" in that order and nothing twice.
    """
    paragraphs: list[str] = []
    buffer: list[str] = []
    current: Any = None
    for block, string in [*_strings(root, blocks, body=True), (_END, "")]:
        if block is None:
            continue
        if block is not _BR and block is not current:
            paragraph = collapse_whitespace("".join(buffer))
            if paragraph:
                paragraphs.append(paragraph)
            buffer.clear()
            current = block
        buffer.append(string)
    return paragraphs
