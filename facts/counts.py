"""Counts in a sentence: "14 agreements", "45,000 Indian workers", "a pair of
recruitment centres".

A count names its own subject (the noun it counts). Numbers that only name the
parties ("the two governments") or the people who speak ("two officials said")
count nothing, and neither do years ("2030 projects") or fractions of a count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import NamedTuple

from facts.numbers import NUMBER_WORD_PATTERN, normalise, parse_number, scale_of

# A number starts only where a run of digits starts (see figures._NUM).
_NUM = r"(?<!\d)(?:\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_STOP = (
    r"of|in|on|at|to|for|with|and|or|but|the|a|an|from|by|as|than|is|are|was|were|be|been|has|"
    r"have|had|will|would|could|can|may|might|should|said|say|says|told|per|cent|percent|"
    r"often|also|still|already|only|just|now|then|even|not|no|never|each|every|who|which|"
    r"that|this|these|those|it|its|they|their|we|our|he|she|his|her"
)
# A count's noun: up to three modifiers, then the first plural ("25 more Indian
# seafood processing units"). A modifier is no preposition, verb or article.
_COUNT = re.compile(
    rf"\b(?P<num>{_NUM}|(?:{NUMBER_WORD_PATTERN})(?:-(?:{NUMBER_WORD_PATTERN}))?)"
    r"(?:\s(?P<scale>thousand|million|billion|lakh|crore)\b)?\s+"
    r"(?:(?:more|new|additional|further|other|separate|key|major)\s+)?"
    rf"(?P<noun>(?:(?!(?:{_STOP})\b)[a-z][\w-]*\s+){{0,3}}?[a-z][a-z-]*[^s\W]s)\b"
    r"|\ba\s+pair\s+of\s+(?P<pnoun>[a-z][a-z-]*(?:\s+[a-z][a-z-]*)?s)\b",
    re.IGNORECASE,
)
_PEOPLE = frozenset(
    {"workers", "people", "students", "engineers", "soldiers", "troops", "employees",
     "nationals", "tourists", "specialists", "nurses", "doctors", "professionals", "labourers",
     "laborers", "migrants", "citizens", "residents", "technicians", "welders", "indians",
     "russians", "experts", "scientists", "staffers", "personnel", "jobs"}
)  # fmt: skip
# Counts of people who only say something are attribution, not figures: "two
# officials said", "two people familiar with the talks".
_SOURCES = frozenset(
    {"officials", "people", "sources", "executives", "diplomats", "bankers", "traders",
     "analysts", "persons", "officers", "ministers", "dealers", "economists"}
)  # fmt: skip
_SAYS_AFTER = re.compile(
    r"(?:\s+(?:familiar|with\s+knowledge|briefed|close\s+to|aware)\b|[^,.;:]{0,60}?"
    r"\b(?:said|say|says|told|added|noted)\b)",
    re.IGNORECASE,
)
_NOT_COUNTED = frozenset(
    {"years", "months", "days", "weeks", "hours", "minutes", "seconds", "times", "others",
     "percent", "pages", "runs", "overs", "wickets", "points", "goals", "decades", "centuries"}
)  # fmt: skip
_DEFINITE = re.compile(
    r"\b(?:the|both|these|those|its|their)\s+(?:(?:first|last|next|other|remaining|same)\s+)?$",
    re.IGNORECASE,
)
_MONTH_NOUN = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)


class Count(NamedTuple):
    start: int
    end: int
    value: Decimal
    unit: str  # "people" or "count"
    noun: str


def find_counts(sentence: str) -> Iterator[Count]:
    for m in _COUNT.finditer(sentence):
        if m.group("pnoun"):
            noun = " ".join(m.group("pnoun").lower().split())
            yield Count(*m.span(), Decimal(2), _count_unit(noun), noun)
            continue
        noun = " ".join(m.group("noun").lower().split())
        last = noun.split()[-1]
        number = parse_number(m.group("num"))
        value = None if number is None else normalise(number * scale_of(m.group("scale")))
        if value is None or last in _NOT_COUNTED or _MONTH_NOUN.match(noun):
            continue
        if value == 1 or value != value.to_integral_value():
            # "one superpower often raises": one takes no plural; "63.4 Indian
            # exports" (a flattened table) counts nothing: counts are whole.
            continue
        if Decimal(1900) <= value <= Decimal(2100) and "," not in m.group("num"):
            continue  # a year, not a count
        if _DEFINITE.search(sentence, max(0, m.start() - 25), m.start()) and not (
            m.group("num")[0].isdigit()
        ):
            continue  # "the two governments" names the parties; it counts nothing
        if last in _SOURCES and _SAYS_AFTER.match(sentence, m.end()):
            continue  # "two officials said": who speaks, not what is counted
        yield Count(*m.span(), value, _count_unit(noun), noun)


def _count_unit(noun: str) -> str:
    return "people" if noun.split()[-1] in _PEOPLE else "count"
