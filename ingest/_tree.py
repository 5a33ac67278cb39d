"""Questions about a parsed page that ingest/article.py asks many times."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from ingest.urls import canonical_url, is_http_url

_TARGETS = etree.XPath("//article | //main | //*[@itemprop = 'articleBody']")
_LAST = threading.local()  # per thread: the last page's elements that wrap an article


def wraps_article(element: Any) -> bool:
    """Is ``element`` around an <article>, a <main> or the articleBody?

    Worked out once per page as the set of those elements' ancestors: asked of each
    junk element as the page is read, a descendant search per element is quadratic
    on a page of nested junk around an article (minutes for 170 KB).
    """
    root = element.getroottree().getroot()
    if getattr(_LAST, "root", None) is not root:
        wrappers: set[Any] = set()
        for target in _TARGETS(root):
            for ancestor in target.iterancestors():
                if ancestor in wrappers:
                    break  # and every ancestor above it, added with it
                wrappers.add(ancestor)
        _LAST.root, _LAST.wrappers = root, wrappers
    wrapping: set[Any] = _LAST.wrappers
    return element in wrapping


def canonical_link(root: Any, url: str) -> str | None:
    """The page's <link rel="canonical">, absolute and canonical; None if absent,
    not http(s), or malformed ("http://[::1/x" is no URL)."""
    link = next((e for e in root.iter("link") if "canonical" in (e.get("rel") or "").split()), None)
    href = (link.get("href") or "").strip() if link is not None else ""
    if not href:
        return None
    try:
        absolute = urljoin(url, href)
        return canonical_url(absolute) if is_http_url(absolute) else None
    except ValueError:
        return None
