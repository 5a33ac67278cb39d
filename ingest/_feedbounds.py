"""Bounds on a feed's bytes, applied before feedparser reads them.

feedparser's work grows with what it is given, so a hostile feed that fits within
fetch's 5 MiB cap can still keep it busy. Measured here (feedparser 6.0.14, Python
3.11): about 15 µs per element, so 5 MiB of "<item/>" (750,000 entries) took 8 s and
130 MB; a 5 MB title of escaped HTML took 7 s through feedparser's HTML sanitiser
(parse_feed turns it off, as it strips all markup itself) and 2.5 s without it. So,
in linear time on the bytes:

- entries past ``max_entries`` are cut out: the start tags are counted with a
  regular expression, and everything from the first one too many to the end of the
  last entry goes, which leaves a well-formed feed when the entries are siblings, as
  they are in RSS and Atom;
- a run of text, or a CDATA section, longer than ``max_field_bytes`` is cut to that
  length (at a character boundary, never inside an entity): the field is truncated to
  far less after parsing anyway;
- a body still holding more than ``max_elements`` start tags is refused;
- entity declarations are removed from the prolog, except those that stand for one
  character ("&#160;"). feedparser means to do this, but its pattern only finds
  declarations at the start of a line: written on one line, "billion laughs" got
  through to expat, which expanded about a million entities (0.7 s) before its
  amplification limit stopped it.

The byte patterns hold for ASCII-compatible encodings (UTF-8, Latin-1, Windows-125x).
A UTF-16 or UTF-32 body is measured in a UTF-8 copy, and refused if it would need a cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Bounded", "bound_feed"]

# An entry's start tag, with any namespace prefix: <item>, <item/>, <atom:entry ...>.
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])")
# The end of the last entry: greedy ".*" backtracks from the end of the bytes, so the
# search costs the length of what follows the last entry, not of the whole tail.
_LAST_ENTRY_END = re.compile(
    rb"(?s).*(</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>"
    rb"|<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?:\s[^<>]*)?/>)"
)
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_CHARACTER_ENTITY = re.compile(rb"<!ENTITY\s+[\w.-]+\s+([\"'])&#\w+;\1\s*>")
# Byte order marks and the first bytes of "<?xml" in encodings that are not
# ASCII-compatible (XML 1.0, appendix F.1).
_WIDE_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


@dataclass(frozen=True)
class Bounded:
    body: bytes
    entries: int  # entry start tags found; 0 when there cannot be more than max_entries
    fields_cut: int  # text runs and CDATA sections cut to max_field_bytes


def bound_feed(
    body: bytes, *, max_entries: int, max_field_bytes: int, max_elements: int
) -> Bounded:
    """``body`` within the bounds (see the module docstring); ValueError to refuse it."""
    codec = next((name for start, name in _WIDE_ENCODINGS if body.startswith(start)), None)
    if codec is None:
        return _bound(body, max_entries, max_field_bytes, max_elements)
    view = body.decode(codec, errors="replace").lstrip("\ufeff").encode("utf-8")
    bounded = _bound(view, max_entries, max_field_bytes, max_elements)
    if bounded.body != view:
        raise ValueError(f"{codec} feed with too many entries or too long a field")
    return Bounded(body, bounded.entries, 0)


def _bound(body: bytes, max_entries: int, max_field_bytes: int, max_elements: int) -> Bounded:
    body = _without_entity_declarations(body)
    body, entries = _without_entries_past(body, max_entries)
    body, cut, elements = _short_fields(body, max_field_bytes)
    if elements > max_elements:
        raise ValueError(f"{elements} elements, more than {max_elements}")
    return Bounded(body, entries, cut)


def _without_entity_declarations(body: bytes) -> bytes:
    if b"<!ENTITY" not in body:
        return body
    first = _FIRST_ELEMENT.search(body)
    end = first.start() if first else len(body)
    prolog = _ENTITY_DECLARATION.sub(
        lambda m: m.group() if _CHARACTER_ENTITY.fullmatch(m.group()) else b"", body[:end]
    )
    return prolog + body[end:]


def _without_entries_past(body: bytes, max_entries: int) -> tuple[bytes, int]:
    if body.count(b"item") + body.count(b"entry") <= max_entries:
        return body, 0  # every entry tag holds one of these words: nothing to cut
    count = 0
    cut = -1
    for match in _ENTRY_START.finditer(body):
        count += 1
        if count == max_entries + 1:
            cut = match.start()
    if cut < 0:
        return body, count
    last = _LAST_ENTRY_END.match(body, cut)
    # No end after the cut: an unfinished document; feedparser reads what is left.
    return (body[:cut] + body[last.end() :] if last else body[:cut]), count


def _short_fields(body: bytes, limit: int) -> tuple[bytes, int, int]:
    """The body with long text and CDATA cut, how many were cut, and its start tags."""
    long_text = re.compile(rb"[^<]{%d,}" % (limit + 1))
    pieces: list[bytes] = []
    cut = 0
    elements = 0

    def markup(segment: bytes) -> None:
        nonlocal cut, elements
        # Start tags: every "<" but those of end tags, comments, doctypes and PIs.
        elements += segment.count(b"<") - segment.count(b"</") - segment.count(b"<!")
        elements -= segment.count(b"<?")
        if len(segment) > limit:
            segment, n = long_text.subn(lambda m: _prefix(m.group(), limit, True), segment)
            cut += n
        pieces.append(segment)

    position = 0
    for match in _CDATA.finditer(body) if b"<![CDATA[" in body else ():
        markup(body[position : match.start()])
        content = match.group(1)
        if len(content) > limit:
            content = _prefix(content, limit, False)
            cut += 1
        pieces.append(b"<![CDATA[" + content + b"]]>")
        position = match.end()
    markup(body[position:])
    return (b"".join(pieces) if cut else body), cut, elements


def _prefix(data: bytes, limit: int, entities: bool) -> bytes:
    end = limit
    while end > 0 and data[end] & 0xC0 == 0x80:  # data[end] is the first byte dropped
        end -= 1  # not inside a UTF-8 sequence
    if entities:
        amp = data.rfind(b"&", max(0, end - 32), end)
        if amp >= 0 and data.find(b";", amp, end) < 0:
            end = amp  # not inside "&lt;" or "&#x2026;"
    return data[:end]
