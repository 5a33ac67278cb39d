"""Making untrusted text inert in Markdown and HTML, and deciding which URLs may be links.

Everything an article or a feed gave us (quotes, outlets, titles, URLs, error
messages) is attacker-controlled: a hostile page can put "<script>" or
"[click](javascript:...)" in its headline. The renderers pass all such text through
here and emit markup only of their own making.
"""

from __future__ import annotations

import html
import re

# CommonMark lets any ASCII punctuation be backslash-escaped (spec 0.31, section 2.4).
# Escaped: code spans (`), emphasis (* _ ~), links and images ([ ] ( ) !), GFM table
# cells (|, GFM spec "Tables" example 200), headings (#), backslash itself, and $,
# which GitHub and several viewers read as inline maths.
_MD_PUNCT = re.compile(r"([\\`*_~\[\]()!|#$])")
# At the start of a line these would open a list, a setext heading or a code block.
_MD_LINE_START = re.compile(r"^([-+=]|\d+\.)")
# < > & become entities rather than backslash escapes, so no literal "<script"
# survives in the Markdown text even for a renderer that ignores backslashes.
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

# Characters percent-encoded in an href: whitespace and controls (browsers strip or
# split on them), quotes and angle brackets (they end an attribute or a Markdown link
# destination), parentheses (they end a Markdown link), backslash and backtick.
_URL_UNSAFE = re.compile("[\\x00-\\x20\\x7f-\\x9f\"'<>\\\\`()\u2028\u2029]")
# Only web links: javascript:, data:, vbscript:, file: and relative URLs are never
# emitted as hrefs. The host must start right after "//".
_URL_ALLOWED = re.compile(r"(?i)https?://[^/?#\s\\]")


def _md_line(line: str) -> str:
    for char, entity in _MD_ENTITIES.items():
        line = line.replace(char, entity)
    line = _MD_PUNCT.sub(r"\\\1", line)
    m = _MD_LINE_START.match(line)
    if m:
        token = m.group(1)
        # "-" "+" "=" -> "\-"; "12." -> "12\." (both are valid CommonMark escapes)
        line = "\\" + line if len(token) == 1 else f"{token[:-1]}\\.{line[len(token) :]}"
    return line


def md_text(text: str | None) -> str:
    """Untrusted text as one inline line of Markdown (newlines become spaces)."""
    return _md_line(" ".join((text or "").split()))


def md_blockquote(text: str | None) -> str:
    """Untrusted text as a Markdown blockquote, keeping its line breaks."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()] or [""]
    return "\n".join(f"> {_md_line(line)}".rstrip() for line in lines)


def safe_href(url: str | None) -> str | None:
    """The URL ready for an href if it is http(s), else None (show it as text instead)."""
    if not url:
        return None
    url = url.strip()
    if not _URL_ALLOWED.match(url):
        return None
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), url)


def md_link(text: str, url: str | None) -> str:
    """[text](url) for http(s) URLs; otherwise the text followed by the URL, both inert."""
    href = safe_href(url)
    if href is None:
        return f"{md_text(text)} ({md_text(url)})" if url else md_text(text)
    return f"[{md_text(text)}]({href})"


def h(text: object) -> str:
    """HTML-escape for text and attribute values (quote=True also escapes " and ')."""
    return html.escape("" if text is None else str(text), quote=True)


def html_link(text: str, url: str | None) -> str:
    """<a> for http(s) URLs, rel="noopener noreferrer"; otherwise escaped text."""
    href = safe_href(url)
    if href is None:
        return f'{h(text)} <span class="url">{h(url)}</span>' if url else h(text)
    return f'<a href="{h(href)}" rel="noopener noreferrer">{h(text)}</a>'
