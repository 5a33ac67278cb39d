"""Making untrusted text inert in Markdown and HTML, and deciding which URLs may be links.

Everything an article or a feed gave us (quotes, outlets, titles, URLs, error
messages) is attacker-controlled: a hostile page can put "<script>" or
"[click](javascript:...)" in its headline. The renderers pass all such text through
here and emit markup only of their own making.

Two steps, in this order. Cleaning (``clean_text``, ``clean_alert``): the text of this
project is plain text, so any markup in it came from a source (an article that shows
"&lt;script&gt;" as text gives us "<script>"); nh3 removes every tag, comment and
script/style content, and entities are decoded back to text. Escaping (``h``,
``md_text``, ...): what is left is written as text of the output format.
"""

from __future__ import annotations

import dataclasses
import html
import re

import nh3

from facts.model import Alert, Source

# Only these characters can make nh3 + unescape change a text: "<" starts markup, "&"
# an entity, and the HTML parser turns CR into LF and drops NUL. Text without any of
# them is returned as is (tests/security/test_fuzz.py checks the shortcut).
_MAY_CHANGE = re.compile("[<&\r\x00]")
# Markup escaped inside markup ("&amp;lt;script...") comes out one level per round.
_CLEAN_ROUNDS = 8

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


def _clean_once(text: str) -> str:
    # nh3 takes only valid Unicode: a lone surrogate becomes "?" first.
    valid = text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")
    return html.unescape(nh3.clean(valid, tags=set()))


def clean_text(text: str | None) -> str:
    """Untrusted text without any markup: tags, comments, <script>/<style> with content.

    Entities are decoded, so the result is plain text, to be escaped for its output.
    Idempotent: cleaning the result again changes nothing. Markup hidden by escaping
    it again and again is peeled one level per round; past ``_CLEAN_ROUNDS`` levels
    (only ever on purpose) every "<" and "&" left becomes a space.
    """
    text = text or ""
    for _ in range(_CLEAN_ROUNDS):
        if not _MAY_CHANGE.search(text):
            return text
        cleaned = _clean_once(text)
        if cleaned == text:
            return text
        text = cleaned
    return _MAY_CHANGE.sub(" ", text)


def _clean_source(source: Source) -> Source:
    # An http(s) URL stays as it is: safe_href percent-encodes it for links. Any other
    # is only ever shown as text, so it is cleaned like text.
    url = source.url if safe_href(source.url) else clean_text(source.url)
    return dataclasses.replace(
        source, url=url, outlet=clean_text(source.outlet), quote=clean_text(source.quote)
    )


def clean_alert(alert: Alert) -> Alert:
    """The alert with every text field that came from a source cleaned (``clean_text``)."""
    return dataclasses.replace(
        alert,
        subject=clean_text(alert.subject),
        summary=clean_text(alert.summary),
        baseline_value=None if alert.baseline_value is None else clean_text(alert.baseline_value),
        baseline_quote=None if alert.baseline_quote is None else clean_text(alert.baseline_quote),
        observed_value=clean_text(alert.observed_value),
        observed_quote=clean_text(alert.observed_quote),
        source=_clean_source(alert.source),
        corroborating=tuple(_clean_source(s) for s in alert.corroborating),
    )
