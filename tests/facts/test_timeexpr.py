"""Deadlines and periods: ISO prefixes, relative times resolved against the published date."""

from __future__ import annotations

from datetime import date

import pytest

from facts.timeexpr import TimeRef, find_deadlines, find_periods, nearest

PUBLISHED = date(2025, 12, 6)


def _deadlines(text: str, published: date | None = PUBLISHED) -> list[str]:
    return [r.value for r in find_deadlines(text, published)]


def _periods(text: str, published: date | None = PUBLISHED) -> list[str]:
    return [r.value for r in find_periods(text, published)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("by 2030", "2030"),
        ("until 2030", "2030"),
        ("till 2030", "2030"),
        ("before 2030", "2030"),
        ("no later than 2030", "2030"),
        ("by end-March 2027", "2027-03"),
        ("by the end of March 2027", "2027-03"),
        ("by Dec. 2026", "2026-12"),
        ("by end-2027", "2027-12"),
        ("by the end of 2027", "2027-12"),
        ("by FY27", "2027-03"),  # Indian fiscal years end in March
        ("by FY'27", "2027-03"),
        ("by fiscal year 2027", "2027-03"),
        ("by the end of FY2027", "2027-03"),
    ],
)
def test_absolute_deadlines(text: str, expected: str) -> None:
    assert _deadlines(f"Trade should double {text}, officials said.") == [expected]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("within three years", date(2025, 12, 6), "2028"),
        ("within 3 years", date(2024, 1, 31), "2027"),
        ("within the next 18 months", date(2025, 12, 6), "2027-06"),
        ("within two months", date(2025, 12, 6), "2026-02"),
        ("within 12 months", date(2025, 12, 6), "2026"),
        ("by next year", date(2025, 12, 6), "2026"),
        ("by next year", date(2023, 1, 2), "2024"),
        ("by the end of next year", date(2025, 12, 6), "2026"),
        ("by this year", date(2025, 12, 6), "2025"),
        ("by next month", date(2025, 12, 6), "2026-01"),
    ],
)
def test_relative_deadlines_resolve_against_the_published_date(
    text: str, published: date, expected: str
) -> None:
    assert _deadlines(f"The corridor should open {text}.", published) == [expected]


@pytest.mark.parametrize("text", ["within three years", "by next year", "by next month"])
def test_relative_deadlines_need_a_published_date(text: str) -> None:
    assert _deadlines(f"The corridor should open {text}.", None) == []


@pytest.mark.parametrize(
    "text",
    ["in 2030", "on Friday", "before the end of the decade", "by 1850", "since 2020"],
)
def test_what_is_not_a_deadline(text: str) -> None:
    assert _deadlines(f"The corridor opened {text}.") == []


def test_every_deadline_in_a_sentence_with_its_span() -> None:
    text = "Trade of $50 bn by 2026 and $100 bn by 2030."
    refs = find_deadlines(text, PUBLISHED)
    assert [r.value for r in refs] == ["2026", "2030"]
    assert [text[r.start : r.end] for r in refs] == ["by 2026", "by 2030"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in FY25", "FY2025"),
        ("for FY26", "FY2026"),
        ("in fiscal year 2025", "FY2025"),
        ("in 2024", "2024"),
        ("during 2024", "2024"),
        ("in calendar year 2024", "2024"),
        ("last year", "2024"),
        ("this year", "2025"),
        ("next year", "2026"),
        ("last month", "2025-11"),
    ],
)
def test_periods(text: str, expected: str) -> None:
    assert _periods(f"Trade was $60 billion {text}.") == [expected]


def test_relative_periods_need_a_published_date() -> None:
    assert _periods("Trade was $60 billion last year.", None) == []
    assert _periods("Trade was $60 billion in FY25.", None) == ["FY2025"]


def test_a_deadline_is_not_a_period() -> None:
    assert _periods("Trade should reach $100 billion by 2030.") == []


def test_nearest_prefers_the_first_reference_after_the_position() -> None:
    refs = [TimeRef("2026", 0, 5), TimeRef("2030", 20, 25), TimeRef("2032", 30, 35)]
    assert nearest(refs, 10) == refs[1]
    assert nearest(refs, 20) == refs[1]
    assert nearest(refs, 0) == refs[0]


def test_nearest_falls_back_to_the_last_reference_before() -> None:
    refs = [TimeRef("2026", 0, 5), TimeRef("2030", 20, 25)]
    assert nearest(refs, 40) == refs[1]
    assert nearest([], 3) is None


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("by March", date(2025, 12, 9), "2026-03"),  # the next March
        ("by March", date(2026, 1, 9), "2026-03"),
        ("by end-January", date(2025, 12, 15), "2026-01"),
        ("by the end of June", date(2025, 12, 6), "2026-06"),
        ("by December", date(2025, 12, 6), "2025-12"),  # this month still counts
        ("by May 5, 2026", date(2025, 12, 6), "2026-05"),
        ("until next year", date(2025, 12, 6), "2026"),
        ("to next year", date(2025, 12, 6), "2026"),
    ],
)
def test_months_without_a_year_and_relative_years(
    text: str, published: date, expected: str
) -> None:
    assert _deadlines(f"The pact was postponed {text}.", published) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "Analysts say the plan may include more ports.",  # "may": the modal, not the month
        "It was agreed by may-be partners.",
        "Cargoes loading from January will be cheaper.",  # an event date
        "Talks were held in October.",
    ],
)
def test_what_is_not_a_month_deadline(text: str) -> None:
    assert _deadlines(text) == []


def test_a_month_needs_a_published_date() -> None:
    assert _deadlines("Intake should recover by March.", None) == []


def test_a_bare_next_month_is_a_future_period() -> None:
    [ref] = find_periods("Banks are expected to open accounts next month.", PUBLISHED)
    assert (ref.value, ref.future) == ("2026-01", True)
    [ref] = find_periods("Trade was $60 billion last month.", PUBLISHED)
    assert (ref.value, ref.future) == ("2025-11", False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in the fiscal year to March 2025", "FY2025"),
        ("in the fiscal year ended March 31, 2025", "FY2025"),
        ("in the year to June 2025", "2024-07/2025-06"),
        ("last fiscal year", "FY2025"),  # published in FY2026 (April 2025 - March 2026)
        ("in the current fiscal year", "FY2026"),
        ("in the first half of FY26", "FY2026"),
        ("in April-November", "2025-04/2025-11"),
        ("in the April-September period", "2025-04/2025-09"),
        ("in January-October", "2025-01/2025-10"),
        ("in November-February", "2024-11/2025-02"),  # ended before it was reported
        ("in April-June 2024", "2024-04/2024-06"),
    ],
)
def test_fiscal_years_and_month_spans(text: str, expected: str) -> None:
    assert _periods(f"Trade was $60 billion {text}.") == [expected]
