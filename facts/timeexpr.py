"""Deadlines and periods in a sentence.

A deadline is a time something must happen by ("by 2030", "until 2030", "by
end-March 2027", "by FY27", "within three years", "by next year"); a period is
when a figure was measured ("in FY25", "in 2024", "last year"). Dates that only
say when something happened ("on Friday") are neither. Values are ISO prefixes
("2030", "2027-03") so they compare and sort as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from facts.numbers import NUMBER_WORD_PATTERN, parse_number

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"

_DEADLINE = re.compile(
    rf"\b(?:by|until|till|before|no\s+later\s+than|not\s+before)\s+"
    rf"(?:the\s+)?(?:(?P<end>end[- ](?:of\s+)?)|(?:mid[- ]))?"
    rf"(?:(?P<month>{_MONTH})\.?[\s,]+)?(?P<year>{_YEAR})\b"
    rf"|\b(?:by|until|before)\s+(?:the\s+end\s+of\s+)?(?:FY|fiscal\s+(?:year\s+)?)"
    rf"['’]?(?P<fy>\d{{2}}|{_YEAR})\b"
    rf"|\bwithin\s+(?:the\s+next\s+)?(?P<n>\d{{1,2}}|{NUMBER_WORD_PATTERN})\s+(?P<nunit>years?|months?)\b"
    rf"|\bby\s+(?:the\s+end\s+of\s+)?(?P<rel>next|this)\s+(?P<relunit>year|month)\b",
    re.IGNORECASE,
)

_PERIOD = re.compile(
    rf"\b(?:in|during|for)\s+(?:the\s+)?(?:(?:FY|fiscal\s+(?:year\s+)?)['’]?(?P<fy>\d{{2}}|{_YEAR})"
    rf"|(?:calendar\s+year\s+)?(?P<year>{_YEAR}))\b"
    rf"|\b(?P<rel>last|this|next)\s+(?P<relunit>year|month)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimeRef:
    value: str
    start: int
    end: int


def _fy(token: str) -> int:
    year = int(token)
    return year + 2000 if year < 100 else year


def _shift_month(base: date, months: int) -> str:
    total = base.year * 12 + (base.month - 1) + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def find_deadlines(sentence: str, published: date | None) -> list[TimeRef]:
    out: list[TimeRef] = []
    for m in _DEADLINE.finditer(sentence):
        value: str | None = None
        if m.group("year"):
            month = m.group("month")
            if month:
                value = f"{m.group('year')}-{MONTHS[month.lower()]:02d}"
            elif m.group("end"):
                value = f"{m.group('year')}-12"
            else:
                value = m.group("year")
        elif m.group("fy"):
            # Indian fiscal years end in March: FY27 runs April 2026 - March 2027.
            value = f"{_fy(m.group('fy'))}-03"
        elif m.group("n") and published is not None:
            n = parse_number(m.group("n"))
            if n is not None:
                months = int(n) * (12 if m.group("nunit").lower().startswith("year") else 1)
                value = _shift_month(published, months)[:4] if months % 12 == 0 else None
                if value is None:
                    value = _shift_month(published, months)
        elif m.group("rel") and published is not None:
            step = 1 if m.group("rel").lower() == "next" else 0
            if m.group("relunit").lower() == "year":
                value = str(published.year + step)
            else:
                value = _shift_month(published, step)
        if value:
            out.append(TimeRef(value, m.start(), m.end()))
    return out


def find_periods(sentence: str, published: date | None) -> list[TimeRef]:
    out: list[TimeRef] = []
    for m in _PERIOD.finditer(sentence):
        value: str | None = None
        if m.group("fy"):
            value = f"FY{_fy(m.group('fy'))}"
        elif m.group("year"):
            value = m.group("year")
        elif m.group("rel") and published is not None:
            step = {"last": -1, "this": 0, "next": 1}[m.group("rel").lower()]
            if m.group("relunit").lower() == "year":
                value = str(published.year + step)
            else:
                value = _shift_month(published, step)
        if value:
            out.append(TimeRef(value, m.start(), m.end()))
    return out


def nearest(refs: list[TimeRef], position: int) -> TimeRef | None:
    """The reference after position if any (deadlines follow what they bound), else the last."""
    after = [r for r in refs if r.start >= position]
    if after:
        return after[0]
    return refs[-1] if refs else None
