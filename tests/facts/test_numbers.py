"""Numbers as prose writes them: separators, words, scales, and the canonical Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from facts.numbers import normalise, parse_number, scale_of


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("4,500", "4500"),
        ("1,00,000", "100000"),  # Indian grouping
        ("41.3", "41.3"),
        ("12", "12"),
        ("twelve", "12"),
        ("Twelve", "12"),
        ("Thirty-one", "31"),
        ("dozen", "12"),
        (" 7 ", "7"),
        ("4\u2009500", "4500"),  # thin-space thousands separator
    ],
)
def test_parse_number(token: str, expected: str) -> None:
    assert parse_number(token) == Decimal(expected)


@pytest.mark.parametrize(
    "token", ["", "   ", "abc", "twelve-ish", "one-year", "1 234", "nan", "Infinity"]
)
def test_parse_number_rejects_what_is_not_a_number(token: str) -> None:
    assert parse_number(token) is None


def test_parse_number_is_exact() -> None:
    # Decimal from the text, never through float: 41.3 stays 41.3.
    value = parse_number("41.3")
    assert value is not None
    assert value.as_tuple() == Decimal("41.3").as_tuple()


@pytest.mark.parametrize(
    ("word", "power"),
    [
        ("thousand", 3),
        ("k", 3),
        ("lakh", 5),
        ("million", 6),
        ("mn", 6),
        ("m", 6),
        ("crore", 7),
        ("cr", 7),
        ("billion", 9),
        ("bn", 9),
        ("BN", 9),
        ("trillion", 12),
        ("lakh crore", 12),
        ("Lakh   Crore", 12),
    ],
)
def test_scale_of(word: str, power: int) -> None:
    assert scale_of(word) == Decimal(10) ** power


@pytest.mark.parametrize("word", [None, "", "zillion"])
def test_scale_of_unknown_or_missing_is_one(word: str | None) -> None:
    assert scale_of(word) == 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1E+11"), "100000000000"),
        (Decimal("41.30"), "41.3"),
        (Decimal("5.000"), "5"),
        (Decimal("0.50"), "0.5"),
        (Decimal("41.3") * Decimal(10) ** 9, "41300000000"),
        (Decimal("25000") * Decimal(10) ** 7, "250000000000"),
    ],
)
def test_normalise_gives_one_spelling_per_value(value: Decimal, text: str) -> None:
    assert str(normalise(value)) == text


def test_normalise_handles_more_digits_than_the_decimal_context() -> None:
    # 32 digits: past the default context's 28, where quantize() would raise.
    value = Decimal("99999999999999999999") * Decimal(10) ** 12
    assert str(normalise(value)) == "99999999999999999999000000000000"
