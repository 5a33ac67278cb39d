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
    rf"(?:(?P<month>{_MONTH})\.?[\s,]+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?)?(?P<year>{_YEAR})\b"
    rf"|\b(?:by|until|before)\s+(?:the\s+end\s+of\s+)?(?:FY|fiscal\s+(?:year\s+)?)"
    rf"['’]?(?P<fy>\d{{2}}|{_YEAR})\b"
    rf"|\bwithin\s+(?:the\s+next\s+)?(?P<n>\d{{1,2}}|{NUMBER_WORD_PATTERN})\s+(?P<nunit>years?|months?)\b"
    # "postponed to next year", "until next month": "to" only before a relative time.
    rf"|\b(?:by|until|till|to)\s+(?:the\s+end\s+of\s+)?(?P<rel>next|this)\s+(?P<relunit>year|month)\b"
    # "by March", "by end-January": the first such month from the published date on.
    rf"|\b(?:by|until|till|before|no\s+later\s+than)\s+(?:the\s+)?(?:end[- ](?:of\s+)?|mid[- ])?"
    rf"(?P<bare>{_MONTH})\b(?!\.?\s*(?:\d|,\s*\d))",
    re.IGNORECASE,
)

# "next month" with no preposition: a deadline when it times an action someone
# commits to ("expected to open 12 accounts next month"), a period when it times
# a measurement ("a share of 25 per cent next year"); extract.py decides.
_PERIOD = re.compile(
    rf"\b(?:in|during|for)\s+(?:the\s+)?(?:(?:first|second)\s+(?:half|quarter)\s+of\s+)?(?:(?:FY|fiscal\s+(?:year\s+)?)['’]?(?P<fy>\d{{2}}|{_YEAR})"
    rf"|(?:calendar\s+year\s+)?(?P<year>{_YEAR}))\b"
    # "the fiscal year to March 2025", "the year ended March 31, 2025"
    rf"|\b(?:fiscal|financial)?\s*year\s+(?:to|ended|ending)\s+(?P<fymonth>{_MONTH})\.?\s+"
    rf"(?:\d{{1,2}},?\s+)?(?P<fyyear>{_YEAR})\b"
    rf"|\b(?P<fyrel>last|this|current|next)\s+(?:fiscal|financial)(?:\s+year)?\b"
    rf"|\b(?P<rel>last|this|next)\s+(?P<relunit>year|month)\b"
    # "in April-November", "the April-September period": a span of months, ISO 8601.
    rf"|\b(?P<m1>{_MONTH})\s*[-–]\s*(?P<m2>{_MONTH})\b(?:\s+(?P<myear>{_YEAR})\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TimeRef:
    value: str
    start: int
    end: int
    # A bare "next month" / "next year": a period unless an action is timed by it.
    future: bool = False


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
        elif m.group("bare") and published is not None and m.group("bare")[0].isupper():
            # Capitalised only: "by may" is the modal, "by May" the month.
            month = MONTHS[m.group("bare").lower()]
            year = published.year + (1 if month < published.month else 0)
            value = f"{year}-{month:02d}"
        if value:
            out.append(TimeRef(value, m.start(), m.end()))
    return out


def _fiscal_year(published: date) -> int:
    """The Indian fiscal year (April-March) a date falls in, by its closing year."""
    return published.year + 1 if published.month >= 4 else published.year


def find_periods(sentence: str, published: date | None) -> list[TimeRef]:
    out: list[TimeRef] = []
    for m in _PERIOD.finditer(sentence):
        value: str | None = None
        future = False
        if m.group("fy"):
            value = f"FY{_fy(m.group('fy'))}"
        elif m.group("year"):
            value = m.group("year")
        elif m.group("fymonth"):
            month = MONTHS[m.group("fymonth").lower()]
            year = m.group("fyyear")
            if month == 3:
                value = f"FY{year}"  # the Indian fiscal year
            else:  # another fiscal year: the twelve months to its end, as a span
                end = date(int(year), month, 1)
                value = f"{_shift_month(end, -11)}/{int(year):04d}-{month:02d}"
        elif m.group("fyrel") and published is not None:
            step = {"last": -1, "this": 0, "current": 0, "next": 1}[m.group("fyrel").lower()]
            value = f"FY{_fiscal_year(published) + step}"
        elif m.group("rel") and published is not None:
            rel = m.group("rel").lower()
            step = {"last": -1, "this": 0, "next": 1}[rel]
            future = rel == "next"
            if m.group("relunit").lower() == "year":
                value = str(published.year + step)
            else:
                value = _shift_month(published, step)
        elif m.group("m1") and (m.group("myear") or published is not None):
            value = _month_span(m.group("m1"), m.group("m2"), m.group("myear"), published)
        if value:
            out.append(TimeRef(value, m.start(), m.end(), future=future))
    return out


def _month_span(first: str, last: str, year: str | None, published: date | None) -> str | None:
    m1, m2 = MONTHS[first.lower()], MONTHS[last.lower()]
    if year is not None:
        y2 = int(year)
    elif published is not None:
        # A span reported without a year has ended by the time it is reported.
        y2 = published.year if m2 <= published.month else published.year - 1
    else:
        return None
    y1 = y2 if m1 <= m2 else y2 - 1
    return f"{y1:04d}-{m1:02d}/{y2:04d}-{m2:02d}"


def nearest(refs: list[TimeRef], position: int) -> TimeRef | None:
    """The reference after position if any (deadlines follow what they bound), else the last."""
    after = [r for r in refs if r.start >= position]
    if after:
        return after[0]
    return refs[-1] if refs else None
