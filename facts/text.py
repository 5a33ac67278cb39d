"""Sentence splitting with character spans.

News prose is full of periods that do not end sentences ("U.S.", "Dec. 5",
"$41.3 bn", "Mr. Putin"), so a split needs a following capital (or quote or
digit) and a preceding token that is not a known abbreviation or an initial.
Spans index into the original text, so evidence can be shown in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "st", "sr", "jr",
        "no", "vs", "inc", "ltd", "co", "corp", "dept", "govt", "approx", "est", "fig",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "rs", "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "al", "cf",
    }
)  # fmt: skip

# A candidate boundary: terminal punctuation, optional closing quotes/brackets,
# whitespace, then something that can start a sentence.
_BOUNDARY = re.compile(r"([.!?])([\"'’”)\]]*)(\s+)(?=[\"'‘“(\[]?[A-Z0-9₹$€£])")
# Any line break ends a paragraph: feeds and pages give one paragraph a line,
# and headings stand on lines of their own without a full stop.
_PARAGRAPH = re.compile(r"\s*\n\s*")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


# How far back the word before a period is looked for first. _WORD_BEFORE searched
# from the paragraph's start tries every position before the period: quadratic in a
# long paragraph, and a fifth of the extractor's time on the benchmark's articles.
_LOOK_BACK = 40


def _is_abbreviation(text: str, dot_at: int) -> bool:
    start = max(0, dot_at - _LOOK_BACK)
    match = _WORD_BEFORE.search(text, start, dot_at)
    if match and match.start() == start > 0:
        # The word may begin before the window: read it whole.
        match = _WORD_BEFORE.search(text, 0, dot_at)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    # Single initials ("J. Smith") and dotted acronyms ("U.S.") do not end sentences.
    return len(word) == 1 and word.isalpha()


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for match in _PARAGRAPH.finditer(text):
        yield pos, match.start()
        pos = match.end()
    yield pos, len(text)


def split_sentences(text: str) -> list[Sentence]:
    """Split text into sentences; each carries its span in ``text``."""
    sentences: list[Sentence] = []
    for p_start, p_end in _paragraphs(text):
        start = p_start
        for match in _BOUNDARY.finditer(text, p_start, p_end):
            if match.group(1) == "." and _is_abbreviation(text, match.start(1)):
                continue
            end = match.end(2)
            _append(sentences, text, start, end)
            start = match.end(3)
        _append(sentences, text, start, p_end)
    return sentences


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    # Trim whitespace while keeping the span exact.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(text[start:end], start, end))
