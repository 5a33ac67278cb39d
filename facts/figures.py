"""Figures in a sentence: money, per cent, physical quantities, counts, durations.

One regex per family, tried in a fixed order (money before counts, so "$12
billion" is never read as "12 billions"); a later family never takes a span an
earlier one matched. Each figure gets the subject the topic's vocabulary names
nearest to it (counts name their own subject: "12 agreements").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from facts.counts import find_counts
from facts.model import FigureKind
from facts.numbers import (
    CURRENCY_PREFIX,
    CURRENCY_WORD,
    MULTIPLE_VERBS,
    NUMBER_WORD_PATTERN,
    SCALE_PATTERN,
    fraction_value,
    normalise,
    parse_number,
    scale_of,
)
from facts.vocabulary import Mention, Vocabulary

# A number starts only where a run of digits starts: without the look-behind a
# long digit run that matches nothing is retried from each of its positions,
# quadratic in its length (5,000 digits took 10 s).
_NUM = r"(?<!\d)(?:\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_RANGE = rf"(?:\s?(?:-|–|—|to)\s?(?P<num2>{_NUM}))?"
# "Rs 70,000 to Rs 1.2 lakh" repeats the currency in a range.
_MONEY_RANGE = rf"(?:\s?(?:-|–|—|to)\s?(?:(?:US\$|\$|Rs\.?|₹|€|£)\s?)?(?P<num2>{_NUM}))?"
# Qualifiers are read from the text just before a match rather than inside each
# pattern: an optional leading group makes the regex engine try it at every
# position of every sentence, which cost two thirds of the extractor's time.
_QUAL_BEFORE = re.compile(
    r"\b(?P<qual>about|around|approximately|roughly|nearly|almost|over|more\s+than|"
    r"at\s+least|up\s+to|some|close\s+to|less\s+than|under|just\s+over|just\s+under|"
    r"as\s+much\s+as|as\s+many\s+as|an\s+estimated|estimated|below|above|upwards\s+of)\s+$",
    re.IGNORECASE,
)
_SCALE = rf"(?:\s?(?P<scale>{SCALE_PATTERN})\b)?"


_MONEY_PREFIXED = re.compile(
    # The look-behind keeps "Mariners 268" from reading as "Rs 268".
    r"(?<![A-Za-z])(?P<cur>US\$|USD|\$|€|EUR|£|GBP|Rs\.?|INR|₹|RUB|₽|CNY)\s?"
    + rf"(?P<num>{_NUM}){_MONEY_RANGE}{_SCALE}",
    re.IGNORECASE,
)
_MONEY_WORD = re.compile(
    rf"(?P<num>{_NUM}){_RANGE}{_SCALE}\s+"
    + r"(?P<curword>US\s+dollars|dollars|rupees|roubles|rubles|euros|yuan)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    rf"(?:between\s+(?P<bnum>{_NUM})\s+and\s+(?P<bnum2>{_NUM})|(?P<num>{_NUM}){_RANGE})"
    + r"\s?(?:%|per\s?cent\b|percent\b|pct\b)",
    re.IGNORECASE,
)
_QUANTITY_UNITS = {
    "barrels per day": "bpd", "barrels a day": "bpd", "bpd": "bpd", "b/d": "bpd",
    "tonnes": "tonnes", "tons": "tonnes", "metric tonnes": "tonnes", "gw": "W",
    "gigawatts": "W", "mw": "W", "megawatts": "W", "km": "km", "kilometres": "km",
    "kilometers": "km",
}  # fmt: skip
_UNIT_FACTOR = {"gw": Decimal(10) ** 9, "gigawatts": Decimal(10) ** 9, "mw": Decimal(10) ** 6,
                "megawatts": Decimal(10) ** 6}  # fmt: skip
_QUANTITY = re.compile(
    rf"(?P<num>{_NUM}){_RANGE}{_SCALE}\s?"
    + r"(?P<unit>barrels\s+(?:per|a)\s+day|bpd|b/d|metric\s+tonnes|tonnes|tons|GW|MW|"
    + r"gigawatts|megawatts|km|kilomet(?:re|er)s)\b",
    re.IGNORECASE,
)
_MULTIPLE = re.compile(
    rf"\b(?P<num>\d+(?:\.\d+)?|{NUMBER_WORD_PATTERN})[- ]fold\b"
    # "three times the number", "2.5 times as large": a multiple, not a frequency.
    rf"|\b(?P<tnum>\d+(?:\.\d+)?|{NUMBER_WORD_PATTERN})\s+times\s+"
    r"(?=(?:the|as|that|more|higher|larger|bigger|greater|what|its|their|over)\b)"
    r"|\b(?P<verb>doubl|tripl|quadrupl)(?:e|ed|es|ing)\b(?![-\w]|\s+(?:digits?|taxation)\b)",
    re.IGNORECASE,
)
_ADJECTIVE_BEFORE = re.compile(r"\b(?:a|an|the)\s+$", re.IGNORECASE)
# "a third of imports" is a share; "cut costs by a fifth" a change. "The first
# half of FY26" is a time, so a bare "half" needs a quantifier or "a"/"one".
_FRACTION = re.compile(
    r"\b(?P<frac>(?:a|one|two|three|four)[\s-](?:half|thirds?|quarters?|fifths?|tenths?)|half)\b",
    re.IGNORECASE,
)
# "a third of imports"; not "half of the year".
_SHARE_OF = re.compile(
    r"\s+of\b(?!\s+(?:the\s+|a\s+|this\s+|next\s+|last\s+)?"
    r"(?:year|decade|century|month|day|week|hour|session|match|game)s?\b)",
    re.IGNORECASE,
)
_NOT_A_SHARE_BEFORE = re.compile(r"\b(?:first|second|last|other|the|an?)\s+$", re.IGNORECASE)
_DURATION = re.compile(
    rf"\b(?P<num>\d+|{NUMBER_WORD_PATTERN})(?:\s+|-)(?P<unit>years?|months?|days?)\b",
    re.IGNORECASE,
)
# "rose 18 per cent" measures the change of a subject, not its level.
CHANGE_PREFIX = "change in "
_UP = r"rose|rise|rises|rising|grew|grow|grows|growing|jumped|jump|increased|increase|climbed|"
_UP += r"surged|gained|up|higher|expanded|boost|boosted|raise|raised|lift|lifted"
_DOWN = r"fell|fall|falls|falling|declined|decline|declining|dropped|drop|decreased|decrease|"
_DOWN += r"slumped|slipped|shrank|shrunk|contracted|down|lower|plunged|tumbled|cut|reduce|"
_DOWN += r"reduced|lowered|trim|trimmed|narrow|narrowed|slashed"
# The verb right before the number ("fell 31.5%", "rose by about 18 per cent")...
_CHANGE_VERB = re.compile(rf"\b(?:(?P<up>{_UP})|(?P<down>{_DOWN}))(?:\s+by)?\s+$", re.IGNORECASE)
# ...or earlier in the clause, with "by" before the number ("cut costs by a fifth").
_CHANGE_BY = re.compile(
    rf"\b(?:(?P<up>{_UP})|(?P<down>{_DOWN}))\b[^,;:]{{0,60}}\bby\s+$", re.IGNORECASE
)
_CHANGE_NOUN = re.compile(
    r"\b(?:(?P<up>growth|increase|rise|jump|gain)|(?P<down>decline|fall|drop|cut|reduction))"
    r"\s+of\s+$",
    re.IGNORECASE,
)
_TARGET_WORDS = re.compile(
    r"\b(?:target|targets|goal|aim|aims|aimed|objective|ambition|to\s+(?:reach|raise|increase|"
    r"boost|lift|double|triple|take|expand|grow))\b",
    re.IGNORECASE,
)
_FORECAST_WORDS = re.compile(
    r"\b(?:forecasts?|projected|projection|estimated\s+to|expected\s+to|likely\s+to|could\s+reach)\b",
    re.IGNORECASE,
)
# A subject stated as the thing that lasts: "a supply agreement of three years".
_DURATION_OF = re.compile(r"^\s*(?:of|for|lasting|spanning)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class FigureHit:
    """A figure found in a sentence, before it becomes a Fact."""

    start: int
    end: int
    value: Decimal
    value_max: Decimal | None
    unit: str
    subject: str
    qualifier: str | None
    figure_kind: FigureKind


def _num(token: str | None, scale: Decimal = Decimal(1)) -> Decimal | None:
    if token is None:
        return None
    n = parse_number(token)
    return None if n is None else normalise(n * scale)


def _qual(sentence: str, start: int) -> str | None:
    found = _QUAL_BEFORE.search(sentence, max(0, start - 25), start)
    return " ".join(found.group("qual").lower().split()) if found else None


class _Raw(NamedTuple):
    start: int
    end: int
    family: str
    value: Decimal
    value_max: Decimal | None
    unit: str
    noun: str | None = None


def _money(sentence: str) -> Iterator[_Raw]:
    for m in _MONEY_PREFIXED.finditer(sentence):
        scale = scale_of(m.group("scale"))
        value, value_max = _num(m.group("num"), scale), _num(m.group("num2"), scale)
        if value is not None and value_max is not None and value > value_max:
            # "Rs 70,000 to Rs 1.2 lakh": the scale belongs to the second amount only.
            value = _num(m.group("num"))
        if value is not None:
            unit = CURRENCY_PREFIX[m.group("cur").lower()]
            yield _Raw(*m.span(), "money", value, value_max, unit)
    for m in _MONEY_WORD.finditer(sentence):
        scale = scale_of(m.group("scale"))
        unit = CURRENCY_WORD[" ".join(m.group("curword").lower().split())]
        value = _num(m.group("num"), scale)
        if value is not None:
            yield _Raw(*m.span(), "money", value, _num(m.group("num2"), scale), unit)


def _shares(sentence: str) -> Iterator[_Raw]:
    for m in _PERCENT.finditer(sentence):
        value = _num(m.group("bnum") or m.group("num"))
        if value is not None:
            yield _Raw(
                *m.span(), "percent", value, _num(m.group("bnum2") or m.group("num2")), "percent"
            )
    for m in _FRACTION.finditer(sentence):
        frac = m.group("frac")
        value = fraction_value(frac if " " in frac or "-" in frac else f"a {frac}")
        if value is None:
            continue
        lead = _lead(sentence, m.start())
        if frac.lower() == "half" and _NOT_A_SHARE_BEFORE.search(sentence, max(0, lead - 8), lead):
            continue  # "the first half of FY26" is a time
        # Without "of", only a change is a share: "cut costs by a fifth".
        if not _SHARE_OF.match(sentence, m.end()) and _change(sentence, lead) is None:
            continue
        yield _Raw(m.start(), m.end(), "percent", value, None, "percent")


def _multiples(sentence: str) -> Iterator[_Raw]:
    for m in _MULTIPLE.finditer(sentence):
        if m.group("verb"):
            if _ADJECTIVE_BEFORE.search(sentence, max(0, m.start() - 5), m.start()):
                continue  # "a double blow"
            value: Decimal | None = Decimal(MULTIPLE_VERBS[m.group("verb").lower()])
        else:
            value = _num(m.group("num") or m.group("tnum"))
        if value is not None:
            yield _Raw(*m.span(), "multiple", value, None, "multiple")


def _raw_hits(sentence: str) -> Iterator[_Raw]:
    """Every candidate, in family order: an earlier family's span wins an overlap.

    A family whose words the sentence lacks is not scanned for: a substring test
    costs far less than a regex over every position.
    """
    low = sentence.lower()
    if any(c in low for c in _MONEY_HINTS):
        yield from _money(sentence)
    if any(c in low for c in _SHARE_HINTS):
        yield from _shares(sentence)
    if any(c in low for c in _QUANTITY_HINTS):
        for m in _QUANTITY.finditer(sentence):
            unit_word = " ".join(m.group("unit").lower().split())
            factor = scale_of(m.group("scale")) * _UNIT_FACTOR.get(unit_word, Decimal(1))
            value = _num(m.group("num"), factor)
            if value is not None:
                unit = _QUANTITY_UNITS[unit_word]
                yield _Raw(*m.span(), "quantity", value, _num(m.group("num2"), factor), unit)
    if any(c in low for c in _MULTIPLE_HINTS):
        yield from _multiples(sentence)
    if any(c in low for c in _DURATION_HINTS):
        for m in _DURATION.finditer(sentence):
            value = _num(m.group("num"))
            if value is not None:
                unit = m.group("unit").lower().rstrip("s") + "s"
                yield _Raw(*m.span(), "duration", value, None, unit)
    for c in find_counts(sentence):
        yield _Raw(c.start, c.end, "count", c.value, None, c.unit, c.noun)


# Substrings without which a family cannot match (lower case).
_MONEY_HINTS = ("$", "€", "£", "₹", "₽", "rs", "usd", "inr", "eur", "gbp", "rub", "cny",
                "dollar", "rupee", "rouble", "ruble", "euro", "yuan")  # fmt: skip
_SHARE_HINTS = ("%", "per", "pct", "half", "third", "quarter", "fifth", "tenth")
_QUANTITY_HINTS = ("barrel", "bpd", "b/d", "ton", "gw", "mw", "watt", "km", "kilomet")
_MULTIPLE_HINTS = ("fold", "times", "doubl", "tripl", "quadrupl")
_DURATION_HINTS = ("year", "month", "day")


def _lead(sentence: str, start: int) -> int:
    """Where a figure's wording starts: before its qualifier ("rose nearly 18 per cent")."""
    qual = _QUAL_BEFORE.search(sentence, max(0, start - 25), start)
    return qual.start() if qual else start


def _change(sentence: str, lead: int) -> int | None:
    """+1 or -1 when the number at ``lead`` measures a rise or a fall, else None."""
    window = max(0, lead - 90)
    for rx in (_CHANGE_VERB, _CHANGE_NOUN, _CHANGE_BY):
        found = rx.search(sentence, window, lead)
        if found:
            return -1 if found.group("down") else 1
    return None


def find_figures(
    sentence: str, vocabulary: Vocabulary, subjects: list[Mention] | None = None
) -> list[FigureHit]:
    """``subjects``: the vocabulary's subject mentions in the sentence, when the
    caller has them already."""
    taken: list[tuple[int, int]] = []
    hits: list[FigureHit] = []
    if subjects is None:
        subjects = vocabulary.subjects.find(sentence)
    for raw in _raw_hits(sentence):
        start, end = raw.start, raw.end
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        value, value_max = raw.value, raw.value_max
        if raw.family == "count":
            noun = raw.noun or ""
            subject = (
                vocabulary.counted.canonical(noun)
                or vocabulary.counted.canonical(noun.split()[-1])
                or noun
            )
        elif raw.family == "duration":
            # "two years later than planned" sits next to a subject without
            # measuring it; only a subject the duration is attached to is taken.
            subject = _attached_subject(sentence, subjects, start, end)
        else:
            subject = _nearest_subject(subjects, start, end)
            if raw.family == "percent":
                sign = _change(sentence, _lead(sentence, start))
                if sign is not None:
                    subject = f"{CHANGE_PREFIX}{subject}"
                if sign == -1:
                    # A fall is a negative change; a range keeps low <= high.
                    value, value_max = (
                        (-value_max, -value) if value_max is not None else (-value, None)
                    )
        hits.append(
            FigureHit(
                start=start,
                end=end,
                value=value,
                value_max=value_max if value_max is not None and value_max != value else None,
                unit=raw.unit,
                subject=subject,
                qualifier=_qual(sentence, start),
                figure_kind=_figure_kind(sentence, raw.family),
            )
        )
    hits.sort(key=lambda h: h.start)
    return hits


def _attached_subject(sentence: str, mentions: list[Mention], start: int, end: int) -> str:
    """The subject a duration belongs to: "a supply agreement of three years",
    "a three-year supply agreement"; else unknown."""
    for mention in mentions:
        if mention.end <= start and _DURATION_OF.match(sentence[mention.end : start]):
            return mention.canonical
        if mention.start >= end and not sentence[end : mention.start].strip():
            return mention.canonical
    return "unknown"


def _nearest_subject(mentions: list[Mention], start: int, end: int) -> str:
    best: tuple[int, str] | None = None
    for mention in mentions:
        if mention.end <= start:
            distance = start - mention.end
        elif mention.start >= end:
            # A subject after the number ("$5 billion in bilateral trade") is
            # common but weaker evidence than one before it.
            distance = mention.start - end + 15
        else:
            continue
        if best is None or distance < best[0]:
            best = (distance, mention.canonical)
    return best[1] if best else "unknown"


def _figure_kind(sentence: str, family: str) -> FigureKind:
    if family in ("duration", "multiple"):
        return FigureKind.ACTUAL
    if _TARGET_WORDS.search(sentence):
        return FigureKind.TARGET
    if _FORECAST_WORDS.search(sentence):
        return FigureKind.FORECAST
    return FigureKind.ACTUAL
