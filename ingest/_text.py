"""Plain text from small HTML fragments (feed titles and summaries).

feedparser's sanitiser is not trusted (FIELD-NOTES: it let javascript: links and
SVG tricks through, and returns plain-text titles raw), so we never keep markup at
all: the fragment is parsed by lxml's HTML parser (no network, no DTD entities),
script-like elements are dropped with their content, and only the text remains.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

__all__ = ["collapse_whitespace", "fragment_to_text"]

# Elements whose content is not text a reader sees.
_INVISIBLE = ("script", "style", "template", "noscript", "iframe", "object", "svg", "math")
# Elements that separate words; without a space "<p>a</p><p>b</p>" would read "ab".
# fmt: off
_SEPARATING = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
})
# fmt: on
# What XML cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): lxml
# refuses to set such text (ValueError), and no reader wants it. A feed gets them to
# us through feedparser's lenient parser.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace (any Unicode space, newlines, tabs) become one space."""
    return " ".join(text.split())


def fragment_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    fragment = _NOT_XML_CHAR.sub(" ", fragment)
    if "<" not in fragment and "&" not in fragment:
        return collapse_whitespace(fragment)  # nothing to parse: the common case, fast
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return collapse_whitespace(fragment.replace("<", " ").replace(">", " "))
    lxml.etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _SEPARATING:
            el.text = " " + (el.text or "")
            el.tail = " " + (el.tail or "")
    return collapse_whitespace(root.text_content())
