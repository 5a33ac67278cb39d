"""Table rows kept as text, one row a line: the label's bracket gives unit and scale."""

from __future__ import annotations

from decimal import Decimal

import pytest

from facts.tables import header_periods, row_cells, row_label
from tests.facts.helpers import figures

TABLE = """Key indicators, April-November:
Item | 2024 | 2025
Russian crude imports (million bpd) | 1.9 | 1.6
Share of India's crude imports (%) | 38 | 33
Average discount to Brent ($ per barrel) | 4.1 | 2.6
Import bill (US$ bn) | 52.4 | 44.7
Fertiliser imports (million tonnes) | 3.9 | 4.2
Rupee trade (Rs crore) | 1,200 | 1,450
"""


def test_each_cell_is_a_figure_with_the_unit_of_its_label() -> None:
    found = figures(TABLE)
    assert [(f.value, f.unit, f.period) for f in found] == [
        (Decimal(1900000), "bpd", "2024"),
        (Decimal(1600000), "bpd", "2025"),
        (Decimal(38), "percent", "2024"),
        (Decimal(33), "percent", "2025"),
        (Decimal("4.1"), "USD", "2024"),
        (Decimal("2.6"), "USD", "2025"),
        (Decimal(52400000000), "USD", "2024"),
        (Decimal(44700000000), "USD", "2025"),
        (Decimal(3900000), "tonnes", "2024"),
        (Decimal(4200000), "tonnes", "2025"),
        (Decimal(12000000000), "INR", "2024"),
        (Decimal(14500000000), "INR", "2025"),
    ]


def test_the_evidence_is_the_row() -> None:
    first = figures(TABLE)[0]
    assert first.evidence.quote == "Russian crude imports (million bpd) | 1.9 | 1.6"
    assert first.subject == "Russian crude imports"  # from the vocabulary
    assert figures(TABLE)[2].subject == "unknown"


def test_a_header_of_years_is_no_figure() -> None:
    assert figures("Item | 2024 | 2025") == []
    assert header_periods("Item | 2024 | FY25") is None
    assert header_periods("Item | 2024 | 2025") == ("2024", "2025")
    assert header_periods("Item | FY 2025 | FY2026") == ("FY2025", "FY2026")


def test_a_row_without_a_unit_falls_back_to_the_prose_rules() -> None:
    assert row_cells("Bilateral trade | $66.1 bn | $63.4 bn") is None
    found = figures("Bilateral trade | $66.1 bn | $63.4 bn")
    assert [f.value for f in found] == [Decimal(66100000000), Decimal(63400000000)]
    assert figures("Bilateral trade | 66.1 | 63.4") == []  # bare numbers: no unit, no figure


@pytest.mark.parametrize(
    "row", ["Item (US$ bn) | n/a | -", "Trade (US$ bn) |  | ", "Trade (parsecs) | 1 | 2"]
)
def test_cells_that_are_not_numbers_are_skipped(row: str) -> None:
    assert figures(row) == []


def test_row_label() -> None:
    assert row_label("Import bill (US$ bn) | 52.4 | 44.7") == "Import bill"
