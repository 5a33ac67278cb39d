"""Figures in table rows that survive as text, one row a line:

    Item | 2024 | 2025
    Bilateral trade (US$ bn) | 66.1 | 63.4

The first cell names the row and, in brackets, its unit and scale; each bare
number after it is one figure. A row whose label states no unit is left to
the prose rules (its cells may carry their own: "$66.1 bn"); a header row of
years gives the period of each column below it. A table flattened onto one
line has no row of its own and yields no figure here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from facts.model import FigureKind
from facts.numbers import CURRENCY_PREFIX, CURRENCY_WORD, normalise, parse_number, scale_of

_CELL_NUMBER = re.compile(r"^\s*(?P<num>-?\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*$")
_YEAR_CELL = re.compile(r"^\s*(?:FY\s?)?(?:19|20)\d\d(?:-\d\d)?\s*$", re.IGNORECASE)
_UNIT_SPEC = re.compile(r"\((?P<spec>[^()]{1,40})\)\s*$")
_CURRENCY = {**CURRENCY_PREFIX, **CURRENCY_WORD}
_UNITS = {
    "%": "percent", "per cent": "percent", "percent": "percent", "bpd": "bpd",
    "barrels per day": "bpd", "tonnes": "tonnes", "tons": "tonnes", "km": "km",
    "people": "people", "workers": "people", "number": "count", "count": "count",
}  # fmt: skip
_SPEC_TOKEN = re.compile(
    r"US\$|\$|€|£|₹|\bRs\b\.?|\b(?:USD|INR|EUR|RUB|dollars|rupees|roubles|rubles|yuan|per\s+cent|"
    r"percent|barrels\s+per\s+day|bpd|tonnes|tons|km|people|workers|number|count|thousand|"
    r"lakh\s+crore|lakh|crore|million|mn|mln|billion|bn|trillion|tn)\b|%",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TableCell:
    """One figure of a row: its span in the row, value and unit."""

    start: int
    end: int
    value: Decimal
    unit: str
    column: int
    figure_kind: FigureKind = FigureKind.ACTUAL


def is_row(sentence: str) -> bool:
    return sentence.count("|") >= 1 and "\n" not in sentence


def header_periods(sentence: str) -> tuple[str | None, ...] | None:
    """For a header row of years ("Item | 2024 | 2025"), each column's period."""
    cells = sentence.split("|")
    if len(cells) < 2 or not all(_YEAR_CELL.match(c) for c in cells[1:]):
        return None
    return tuple(c.strip().upper().replace(" ", "") for c in cells[1:])


def _unit_of(label: str) -> tuple[str, Decimal] | None:
    """(unit, scale) from a label's bracket: "(US$ bn)" -> (USD, 1e9)."""
    found = _UNIT_SPEC.search(label)
    if not found:
        return None
    unit: str | None = None
    scale = Decimal(1)
    for token in _SPEC_TOKEN.findall(found.group("spec")):
        word = " ".join(token.lower().rstrip(".").split())
        if word in _CURRENCY and unit is None:
            unit = _CURRENCY[word]
        elif word in _UNITS and (unit is None or unit in ("people", "count")):
            unit = _UNITS[word]
        elif scale_of(word) != 1:
            scale = scale_of(word)
    return (unit, scale) if unit else None


def row_label(sentence: str) -> str:
    """The row's name without its unit bracket: "Bilateral trade (US$ bn)" -> "Bilateral trade"."""
    label = sentence.split("|", 1)[0]
    return _UNIT_SPEC.sub("", label).strip()


def row_cells(sentence: str) -> list[TableCell] | None:
    """The figures of a row whose label states a unit; None when it states none."""
    cells = sentence.split("|")
    if len(cells) < 2:
        return None
    spec = _unit_of(cells[0])
    if spec is None:
        return None
    unit, scale = spec
    out: list[TableCell] = []
    pos = len(cells[0]) + 1
    for column, cell in enumerate(cells[1:]):
        m = _CELL_NUMBER.match(cell)
        number = parse_number(m.group("num")) if m else None
        if m and number is not None:
            out.append(
                TableCell(
                    pos + m.start("num"),
                    pos + m.end("num"),
                    normalise(number * scale),
                    unit,
                    column,
                )
            )
        pos += len(cell) + 1
    return out
