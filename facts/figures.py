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

from facts.model import FigureKind
from facts.numbers import NUMBER_WORD_PATTERN, SCALE_PATTERN, normalise, parse_number, scale_of
from facts.vocabulary import Mention, Vocabulary

# A number starts only where a run of digits starts: without the look-behind a
# long digit run that matches nothing is retried from each of its positions,
# quadratic in its length (5,000 digits took 10 s).
_NUM = r"(?<!\d)(?:\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_RANGE = rf"(?:\s?(?:-|–|—|to)\s?(?P<num2>{_NUM}))?"
# Qualifiers are read from the text just before a match rather than inside each
# pattern: an optional leading group makes the regex engine try it at every
# position of every sentence, which cost two thirds of the extractor's time.
_QUAL_BEFORE = re.compile(
    r"\b(?P<qual>about|around|approximately|roughly|nearly|almost|over|more\s+than|"
    r"at\s+least|up\s+to|some|close\s+to|less\s+than|under|just\s+over|just\s+under)\s+$",
    re.IGNORECASE,
)
_SCALE = rf"(?:\s?(?P<scale>{SCALE_PATTERN})\b)?"

_CURRENCY_PREFIX = {
    "us$": "USD", "usd": "USD", "$": "USD", "€": "EUR", "eur": "EUR", "£": "GBP",
    "gbp": "GBP", "rs": "INR", "rs.": "INR", "inr": "INR", "₹": "INR", "rub": "RUB",
    "₽": "RUB", "yuan": "CNY", "cny": "CNY",
}  # fmt: skip
_CURRENCY_WORD = {
    "dollars": "USD", "us dollars": "USD", "rupees": "INR", "roubles": "RUB",
    "rubles": "RUB", "euros": "EUR", "pounds": "GBP", "yuan": "CNY",
}  # fmt: skip

_MONEY_PREFIXED = re.compile(
    # The look-behind keeps "Mariners 268" from reading as "Rs 268".
    r"(?<![A-Za-z])(?P<cur>US\$|USD|\$|€|EUR|£|GBP|Rs\.?|INR|₹|RUB|₽|CNY)\s?"
    + rf"(?P<num>{_NUM}){_RANGE}{_SCALE}",
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
    rf"\b(?P<num>\d+|{NUMBER_WORD_PATTERN})[- ]fold\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    rf"\b(?P<num>\d+|{NUMBER_WORD_PATTERN})(?:\s+|-)(?P<unit>years?|months?|days?)\b",
    re.IGNORECASE,
)
_COUNT = re.compile(
    rf"\b(?P<num>{_NUM}|(?:{NUMBER_WORD_PATTERN})(?:-(?:{NUMBER_WORD_PATTERN}))?)\s+"
    + r"(?:(?:more|new|additional|further|other|separate|key)\s+)?"
    + r"(?P<noun>(?:[a-z][a-z-]*\s+)?[a-z][a-z-]*[^s\W]s)\b",
    re.IGNORECASE,
)
_PEOPLE = frozenset(
    {"workers", "people", "ministers", "officials", "leaders", "students", "engineers",
     "soldiers", "troops", "employees", "delegates", "executives", "nationals", "tourists"}
)  # fmt: skip
_NOT_COUNTED = frozenset(
    {"years", "months", "days", "weeks", "hours", "minutes", "seconds", "times", "others",
     "percent", "pages", "runs", "overs", "wickets", "points", "goals"}
)  # fmt: skip
# "rose 18 per cent" measures the change of a subject, not its level.
CHANGE_PREFIX = "change in "
_DEFINITE = re.compile(r"\b(?:the|both|these|those|its|their)\s+$", re.IGNORECASE)
_CHANGE_VERB = re.compile(
    r"\b(?:rose|rise|rising|grew|grow|growing|jumped|jump|increased|increase|climbed|surged|"
    r"fell|fall|falling|declined|decline|dropped|drop|decreased|slumped|slipped|shrank|gained)"
    r"(?:\s+by)?\s+$",
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
_MONTH_NOUN = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)


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
    found = _QUAL_BEFORE.search(sentence, max(0, start - 20), start)
    return " ".join(found.group("qual").lower().split()) if found else None


def _raw_hits(sentence: str) -> Iterator[tuple[re.Match[str], str, Decimal, Decimal | None, str]]:
    """(match, family, value, value_max, unit) for every candidate, in family order."""
    for m in _MONEY_PREFIXED.finditer(sentence):
        scale = scale_of(m.group("scale"))
        unit = _CURRENCY_PREFIX[m.group("cur").lower()]
        value = _num(m.group("num"), scale)
        if value is not None:
            yield m, "money", value, _num(m.group("num2"), scale), unit
    for m in _MONEY_WORD.finditer(sentence):
        scale = scale_of(m.group("scale"))
        unit = _CURRENCY_WORD[" ".join(m.group("curword").lower().split())]
        value = _num(m.group("num"), scale)
        if value is not None:
            yield m, "money", value, _num(m.group("num2"), scale), unit
    for m in _PERCENT.finditer(sentence):
        lo = m.group("bnum") or m.group("num")
        hi = m.group("bnum2") or m.group("num2")
        value = _num(lo)
        if value is not None:
            yield m, "percent", value, _num(hi), "percent"
    for m in _QUANTITY.finditer(sentence):
        unit_word = " ".join(m.group("unit").lower().split())
        factor = scale_of(m.group("scale")) * _UNIT_FACTOR.get(unit_word, Decimal(1))
        value = _num(m.group("num"), factor)
        if value is not None:
            yield m, "quantity", value, _num(m.group("num2"), factor), _QUANTITY_UNITS[unit_word]
    for m in _MULTIPLE.finditer(sentence):
        value = _num(m.group("num"))
        if value is not None:
            yield m, "multiple", value, None, "multiple"
    for m in _DURATION.finditer(sentence):
        value = _num(m.group("num"))
        unit = m.group("unit").lower().rstrip("s") + "s"
        if value is not None:
            yield m, "duration", value, None, unit
    for m in _COUNT.finditer(sentence):
        noun = " ".join(m.group("noun").lower().split())
        last = noun.split()[-1]
        value = _num(m.group("num"))
        if value is None or last in _NOT_COUNTED or _MONTH_NOUN.match(noun):
            continue
        if Decimal(1900) <= value <= Decimal(2100) and "," not in m.group("num"):
            continue  # a year, not a count
        if _DEFINITE.search(sentence, 0, m.start()) and not m.group("num")[0].isdigit():
            continue  # "the two governments" names the parties; it counts nothing
        yield m, "count", value, None, "people" if last in _PEOPLE else "count"


def find_figures(sentence: str, vocabulary: Vocabulary) -> list[FigureHit]:
    taken: list[tuple[int, int]] = []
    hits: list[FigureHit] = []
    subjects = vocabulary.subjects.find(sentence)
    for m, family, value, value_max, unit in _raw_hits(sentence):
        start, end = m.span()
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        if family == "count":
            noun = " ".join(m.group("noun").lower().split())
            subject = (
                vocabulary.counted.canonical(noun)
                or vocabulary.counted.canonical(noun.split()[-1])
                or noun
            )
        elif family == "duration":
            # "two years later than planned" sits next to a subject without
            # measuring it; durations stay unattributed rather than misattributed.
            subject = "unknown"
        else:
            subject = _nearest_subject(subjects, start, end)
            # The change verb stands before any qualifier: "rose nearly 18 per cent".
            qual = _QUAL_BEFORE.search(sentence, max(0, start - 20), start)
            lead = qual.start() if qual else start
            if family == "percent" and _CHANGE_VERB.search(sentence[max(0, lead - 20) : lead]):
                subject = f"{CHANGE_PREFIX}{subject}"
        hits.append(
            FigureHit(
                start=start,
                end=end,
                value=value,
                value_max=value_max if value_max is not None and value_max != value else None,
                unit=unit,
                subject=subject,
                qualifier=_qual(sentence, start),
                figure_kind=_figure_kind(sentence, family),
            )
        )
    hits.sort(key=lambda h: h.start)
    return hits


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
