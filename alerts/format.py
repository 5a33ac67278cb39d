"""Values as a person reads them: "$150 billion by 2030", "signed", "March 2027".

Pure functions over facts.model. Values stay Decimal end to end: a float would turn
"$100.1 billion" into 100099999999.99998 and the alert would show a figure nobody wrote.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal

from facts.model import NEGATIVE_STATUSES, Fact, FactKind, Status

# English month names spelled out here rather than taken from calendar.month_name,
# which follows the process locale and would make reports differ between machines.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Short scale (10^9 = billion), as the English-language press uses it. Below a million
# numbers are written out with digit grouping ("$45,000", "45,000 people"): newsrooms
# write "45,000", not "45 thousand", so "thousand" is never used as a scale word.
_SCALES = (
    (Decimal(10) ** 12, "trillion"),
    (Decimal(10) ** 9, "billion"),
    (Decimal(10) ** 6, "million"),
)

_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}
# Currencies whose symbol few readers know (₽, and ¥ which is also the yen) keep
# their ISO code: "RUB 5 billion" cannot be misread.
_CURRENCY_CODES = frozenset({"RUB", "CNY"})

_WATT_PREFIXES = (
    (Decimal(10) ** 9, "GW"),
    (Decimal(10) ** 6, "MW"),
    (Decimal(10) ** 3, "kW"),
)

# Unit -> (singular, plural) word written after the number.
_UNIT_WORDS = {
    "people": ("person", "people"),
    "bpd": ("bpd", "bpd"),
    "tonnes": ("tonne", "tonnes"),
    "km": ("km", "km"),
    "years": ("year", "years"),
    "months": ("month", "months"),
    "days": ("day", "days"),
    "multiple": ("time", "times"),
}

# Enough digits for any figure a news article states (10^30 and two decimals);
# the default context's 28 digits would raise on quantize for very large values.
_CTX = Context(prec=60, rounding=ROUND_HALF_UP)
_CENT = Decimal("0.01")
_EN_DASH = "–"


def format_number(value: Decimal) -> str:
    """Grouped digits, at most two decimals, no trailing zeros: 45000 -> "45,000"."""
    rounded = _CTX.quantize(value, _CENT)
    text = f"{rounded:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_deadline(deadline: str) -> str:
    """ISO prefix to words: "2030" -> "2030", "2027-03" -> "March 2027".

    Anything that is not an ISO prefix is returned as given (stripped), so an odd
    deadline from the extractor is still shown rather than lost.
    """
    text = deadline.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        month = int(m.group(2))
        if 1 <= month <= 12:
            return f"{_MONTHS[month - 1]} {m.group(1)}"
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return text
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return text


def format_status(status: Status) -> str:
    """The status as words: Status.IN_PROGRESS -> "in progress"."""
    return status.value.replace("_", " ")


def format_value(fact: Fact) -> str:
    """What the fact says, for a person: "about $100 billion by 2030", "signed by 2027"."""
    text = _figure_text(fact) if fact.kind is FactKind.FIGURE else _commitment_text(fact)
    if fact.deadline:
        text = f"{text} by {format_deadline(fact.deadline)}"
    return text


def format_field(fact: Fact, field: str) -> str:
    """Only the named compared field ("value", "status" or "deadline") of a fact.

    Used where two sources disagree on one field and the rest would be noise.
    """
    if field == "deadline":
        return format_deadline(fact.deadline) if fact.deadline else "no deadline"
    if field in ("value", "status"):
        return format_value(replace(fact, deadline=None))
    return format_value(fact)


def _commitment_text(fact: Fact) -> str:
    if fact.status is None:
        return "status unknown"
    text = format_status(fact.status)
    # A negated sentence ("India has not signed …") keeps its positive status with
    # negated=True; the negative statuses already say "not" themselves.
    if fact.negated and fact.status not in NEGATIVE_STATUSES:
        text = f"not {text}"
    return text


def _figure_text(fact: Fact) -> str:
    if fact.value is None:
        return "value unknown"
    low, high = fact.value, fact.value_max
    if high is not None and high == low:
        high = None
    text = _amount(low, high, fact.unit)
    if fact.qualifier and fact.qualifier.strip():
        text = f"{fact.qualifier.strip()} {text}"
    return text


def _amount(low: Decimal, high: Decimal | None, unit: str | None) -> str:
    unit = unit or ""
    if unit == "W":
        return _watts(low, high)
    numbers, scale = _scaled(low, high)
    if unit == "percent":
        return f"{numbers}%"
    if unit in _CURRENCY_SYMBOLS or unit in _CURRENCY_CODES:
        symbol = _CURRENCY_SYMBOLS.get(unit, f"{unit} ")
        sign = ""
        # "-$5 billion", not "$-5 billion"; ranges keep their own signs.
        if high is None and numbers.startswith("-"):
            sign, numbers = "-", numbers[1:]
        return f"{sign}{symbol}{numbers}{scale}"
    if unit in ("", "count"):
        return f"{numbers}{scale}"
    singular, plural = _UNIT_WORDS.get(unit, (unit, unit))
    word = singular if high is None and not scale and low == 1 else plural
    return f"{numbers}{scale} {word}"


def _scaled(low: Decimal, high: Decimal | None) -> tuple[str, str]:
    """Both ends of a range in one scale, taken from the smaller end: "52–54", " billion".

    Scaling by the smaller end keeps it at least 1 ("$900–1,200 million", never
    "$0.9–1.2 billion").
    """
    smaller = abs(low) if high is None else min(abs(low), abs(high))
    for size, word in _SCALES:
        if smaller >= size:
            return _join(low / size, None if high is None else high / size), f" {word}"
    return _join(low, high), ""


def _watts(low: Decimal, high: Decimal | None) -> str:
    smaller = abs(low) if high is None else min(abs(low), abs(high))
    for size, prefix in _WATT_PREFIXES:
        if smaller >= size:
            return f"{_join(low / size, None if high is None else high / size)} {prefix}"
    return f"{_join(low, high)} W"


def _join(low: Decimal, high: Decimal | None) -> str:
    if high is None:
        return format_number(low)
    return f"{format_number(low)}{_EN_DASH}{format_number(high)}"
