from __future__ import annotations

from decimal import Decimal

import pytest

from alerts.format import format_deadline, format_number, format_value
from facts.model import FigureKind, Status
from tests.factories import commitment, figure


@pytest.mark.parametrize(
    ("value", "unit", "value_max", "expected"),
    [
        ("100000000000", "USD", None, "$100 billion"),
        ("1E+11", "USD", None, "$100 billion"),  # exponent form from Decimal normalisation
        ("5000000", "EUR", None, "€5 million"),
        ("2000000000000", "INR", None, "₹2 trillion"),
        ("45000000000", "INR", None, "₹45 billion"),
        ("12", "percent", None, "12%"),
        ("12.5", "percent", None, "12.5%"),
        ("12", "count", None, "12"),
        ("45000", "people", None, "45,000 people"),
        ("1", "people", None, "1 person"),
        ("2300000", "bpd", None, "2.3 million bpd"),
        ("52000000000", "USD", "54000000000", "$52–54 billion"),
        ("900000000", "USD", "1200000000", "$900–1,200 million"),
        ("10", "percent", "15", "10–15%"),
        ("123456789", "RUB", None, "RUB 123.46 million"),
        ("45000", "USD", None, "$45,000"),
        ("-5000000000", "USD", None, "-$5 billion"),
        ("1500000000", "W", None, "1.5 GW"),
        ("3", "multiple", None, "3 times"),
        ("5", "years", None, "5 years"),
        ("7", None, None, "7"),
        ("100000000000.10", "USD", None, "$100 billion"),
    ],
)
def test_format_value_figures(value: str, unit: str, value_max: str | None, expected: str) -> None:
    assert format_value(figure(value, unit=unit, value_max=value_max)) == expected


def test_format_value_qualifier_and_deadline() -> None:
    fact = figure("100000000000", qualifier="about", deadline="2030")
    assert format_value(fact) == "about $100 billion by 2030"


def test_format_value_month_deadline() -> None:
    assert format_value(figure("30", unit="percent", deadline="2027-03")) == "30% by March 2027"


def test_format_value_equal_range_ends_show_one_value() -> None:
    assert format_value(figure("12", unit="count", value_max="12")) == "12"


@pytest.mark.parametrize(
    ("status", "deadline", "negated", "expected"),
    [
        (Status.SIGNED, None, False, "signed"),
        (Status.AGREED, "2027", False, "agreed by 2027"),
        (Status.IN_PROGRESS, None, False, "in progress"),
        (Status.NOT_AGREED, None, False, "not agreed"),
        (Status.SIGNED, None, True, "not signed"),
        (Status.CANCELLED, None, True, "cancelled"),
        (None, None, False, "status unknown"),
    ],
)
def test_format_value_commitments(
    status: Status | None, deadline: str | None, negated: bool, expected: str
) -> None:
    assert format_value(commitment(status, deadline=deadline, negated=negated)) == expected


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        ("2030", "2030"),
        ("2027-03", "March 2027"),
        ("2027-12", "December 2027"),
        ("2027-03-31", "31 March 2027"),
        ("2027-13", "2027-13"),  # not a month: shown as given, not guessed
        ("2027-02-30", "2027-02-30"),
        (" end of 2026 ", "end of 2026"),
    ],
)
def test_format_deadline(deadline: str, expected: str) -> None:
    assert format_deadline(deadline) == expected


def test_format_number_keeps_decimal_precision() -> None:
    # A float would print 0.30000000000000004 for 0.1 + 0.2; Decimal keeps what was written.
    assert format_number(Decimal("0.1") + Decimal("0.2")) == "0.3"
    assert format_number(Decimal("1E+30")) == "1,000,000,000,000,000,000,000,000,000,000"
    assert format_number(Decimal("2.005")) == "2.01"  # half up, as people round


def test_actual_figure_has_no_kind_in_value() -> None:
    fact = figure("65000000000", figure_kind=FigureKind.ACTUAL)
    assert format_value(fact) == "$65 billion"
