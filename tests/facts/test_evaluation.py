"""The scoring itself (facts/evaluation.py), on hand-made articles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from facts.evaluation import (
    Score,
    Tally,
    aggregate,
    by_split,
    missed_floors,
    score_article,
    unit_family,
    value_matches,
)
from facts.model import Fact, Status
from tests.facts.helpers import commitment, evidence, figure

TEXT = "Trade was $5 billion in 2024. Russia agreed to a corridor by 2027. Nothing else."
S1, S2 = "Trade was $5 billion in 2024.", "Russia agreed to a corridor by 2027."


def _expected(**overrides: Any) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "published": "2025-12-06",
        "split": "tune",
        "figures": [
            {"sentence": "was $5 billion", "value": 5000000000, "value_max": None,
             "unit": "USD", "subject": "bilateral trade", "deadline": None},
        ],
        "commitments": [
            {"sentence": "Russia agreed to a corridor", "status": "agreed",
             "subject": "maritime corridor", "actors": ["Russia"], "deadline": "2027"},
        ],
        "deadlines": ["2027"],
    }  # fmt: skip
    expected.update(overrides)
    return expected


def _fig(value: str, *, quote: str = S1, unit: str = "USD", subject: str = "x") -> Fact:
    f = figure(value, unit=unit, subject=subject)
    return _with_quote(f, quote)


def _com(status: Status, *, quote: str = S2, deadline: str | None = "2027") -> Fact:
    return _with_quote(commitment(status, subject="maritime corridor", deadline=deadline), quote)


def _with_quote(fact: Fact, quote: str) -> Fact:
    from dataclasses import replace

    start = TEXT.index(quote)
    return replace(
        fact, evidence=replace(evidence(quote=quote, start=start), end=start + len(quote))
    )


def test_a_perfect_extraction_scores_one() -> None:
    facts = [_fig("5000000000", subject="bilateral trade"), _com(Status.AGREED)]
    score = score_article(TEXT, _expected(), facts).score
    assert score.gate_metrics() == {
        "figures_f1": 1.0,
        "commitments_found": 1.0,
        "commitments_status_right": 1.0,
        "deadlines_f1": 1.0,
    }
    assert (score.figure_subjects.rate, score.commitment_subjects.rate) == (1.0, 1.0)


def test_an_empty_extraction_scores_zero_recall() -> None:
    score = score_article(TEXT, _expected(), []).score
    assert (score.figures.recall, score.commitments.recall, score.deadlines.recall) == (0, 0, 0)
    assert all(v == 0 for v in score.gate_metrics().values())


def test_noise_costs_precision_not_recall() -> None:
    facts = [_fig("5000000000"), _fig("7", unit="percent"), _fig("9", unit="count")]
    t = score_article(TEXT, _expected(), facts).score.figures
    assert (t.matched, t.predicted, t.expected) == (1, 3, 1)
    assert (t.precision, t.recall) == (pytest.approx(1 / 3), 1.0)


def test_a_figure_must_match_sentence_value_and_unit() -> None:
    for wrong in (_fig("5000000000", quote=S2), _fig("5000000001"), _fig("5000000000", unit="EUR")):
        assert score_article(TEXT, _expected(), [wrong]).score.figures.matched == 0


def test_matching_is_one_to_one() -> None:
    two = _expected(figures=_expected()["figures"] * 2)
    score = score_article(TEXT, two, [_fig("5000000000")]).score.figures
    assert (score.matched, score.expected) == (1, 2)


@pytest.mark.parametrize(
    ("expected", "got", "ok"),
    [
        (33.33, Decimal("33.33"), True),
        (33.33, Decimal("33.3333333"), True),  # within 0.5%
        (33.33, Decimal("33.45"), True),
        (33.33, Decimal("33.6"), False),
        (100000000000, Decimal("100000000000"), True),
        (100000000000, Decimal("100000000001"), False),  # integers are exact
        (-31.5, Decimal("-31.5"), True),
        (-31.5, Decimal("31.5"), False),  # a fall is negative
        (None, None, True),
        (5, None, False),
    ],
)
def test_value_matches(expected: Any, got: Decimal | None, ok: bool) -> None:
    assert value_matches(expected, got) is ok


def test_a_found_commitment_with_the_wrong_status() -> None:
    score = score_article(TEXT, _expected(), [_com(Status.PROPOSED)]).score
    assert (score.commitments.recall, score.commitment_status.rate) == (1.0, 0.0)
    assert score.commitment_statuses["agreed"].found == 1
    assert score.commitment_statuses["agreed"].right == 0
    assert score.commitment_statuses["proposed"].predicted == 1


def test_two_commitments_in_one_sentence_pair_by_status() -> None:
    both = [
        {"sentence": "Russia agreed", "status": "signed", "deadline": None},
        {"sentence": "Russia agreed", "status": "agreed", "deadline": None},
    ]
    facts = [_com(Status.AGREED), _com(Status.SIGNED)]
    score = score_article(TEXT, _expected(commitments=both), facts).score
    assert (score.commitments.matched, score.commitment_status.right) == (2, 2)


def test_deadlines_are_sets_per_article() -> None:
    facts = [_com(Status.AGREED), _com(Status.AGREED, deadline="2030")]
    t = score_article(TEXT, _expected(), facts).score.deadlines
    assert (t.matched, t.predicted, t.expected) == (1, 2, 1)


def test_errors_name_what_was_missed_and_invented() -> None:
    article = score_article(TEXT, _expected(), [_fig("9", unit="count")], name="001-x")
    errors = article.errors
    assert [m["value"] for m in errors.missed_figures] == [5000000000]
    assert [f.value for f in errors.spurious_figures] == [Decimal(9)]
    assert [m["status"] for m in errors.missed_commitments] == ["agreed"]
    assert errors.missed_deadlines == ("2027",)
    assert article.name == "001-x" and article.split == "tune"


def test_an_expected_sentence_not_in_the_text_is_reported() -> None:
    bad = _expected(figures=[{**_expected()["figures"][0], "sentence": "was $6 billion"}])
    assert score_article(TEXT, bad, []).errors.not_in_text == ("was $6 billion",)


def test_scores_add_up_by_split() -> None:
    perfect = [_fig("5000000000"), _com(Status.AGREED)]
    tune = score_article(TEXT, _expected(), perfect)
    heldout = score_article(TEXT, _expected(split="heldout"), [])
    splits = by_split([tune, heldout])
    assert list(splits) == ["tune", "heldout", "all"]
    assert splits["tune"].figures.recall == 1.0
    assert splits["heldout"].figures.recall == 0.0
    assert splits["all"].figures == Tally(matched=1, predicted=1, expected=2)
    assert splits["all"].articles == 2
    assert aggregate([]) == Score()


def test_families() -> None:
    assert [unit_family(u) for u in ("INR", "percent", "people", "bpd", "months", "multiple")] == [
        "money", "percent", "count", "quantity", "duration", "multiple",
    ]  # fmt: skip
    assert unit_family("parsecs") == "other"


def test_missed_floors() -> None:
    score = score_article(TEXT, _expected(), []).score
    assert missed_floors(score, {"figures_f1": 0.5}) == {"figures_f1": (0.0, 0.5)}
    assert missed_floors(score, {}) == {}


def test_nothing_expected_and_nothing_found_is_perfect() -> None:
    assert Tally().f1 == 1.0
    assert Tally(predicted=2).precision == 0.0
    assert Tally(expected=2).recall == 0.0
