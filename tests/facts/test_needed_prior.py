"""needed_prior: comparing against the few stored observations it keeps gives what
comparing against all of them gives."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from facts.compare import CompareOptions, compare, needed_prior, passed_deadlines
from facts.matching import canonicalize
from facts.model import Fact, Status
from tests.factories import baseline_figure, commitment, figure

OUTLETS = ["Wire A", "Ledger B", "Herald C", "wire a"]  # outlets compare case-blind
VALUES = ["100000000000", "1E+11", "150000000000", "120000000000"]
STATUSES = [Status.AGREED, Status.SIGNED, Status.DENIED, Status.EXPECTED, Status.DELIVERED]


def _observations(rng: random.Random, n: int, start: int = 0) -> list[Fact]:
    out: list[Fact] = []
    for i in range(start, start + n):
        where = {
            "url": f"http://127.0.0.1:1/{rng.randrange(n // 3 + 1)}",
            "outlet": rng.choice(OUTLETS),
            "published": rng.choice([None, date(2025, 12, 1) + timedelta(days=rng.randrange(20))]),
            "quote": f"sentence {i}",
        }
        if rng.random() < 0.5:
            subject = rng.choice(["bilateral trade", "oil imports", "trade bilateral"])
            out.append(figure(rng.choice(VALUES), subject=subject, **where))
        else:
            subject = rng.choice(["labour mobility", "maritime corridor"])
            deadline = rng.choice([None, "2025-11", "2027", "2027-12"])
            out.append(
                commitment(rng.choice(STATUSES), subject=subject, deadline=deadline, **where)
            )
    return out


@pytest.mark.parametrize("seed", range(12))
def test_compare_over_needed_prior_equals_compare_over_all(seed: int) -> None:
    rng = random.Random(seed)
    prior = _observations(rng, 2000)
    observed = _observations(rng, 60, start=2000)
    baseline = [baseline_figure("100000000000")]
    kept = needed_prior(iter(prior))
    assert len(kept) < len(prior) / 2
    assert [f for f in prior if f in kept] == kept  # the order given
    options = CompareOptions(contradiction_window_days=3)
    assert repr(compare(baseline, observed, kept, options)) == repr(
        compare(baseline, observed, prior, options)
    )
    today = date(2026, 3, 1)
    assert passed_deadlines(baseline, [*kept, *observed], today) == passed_deadlines(
        baseline, [*prior, *observed], today
    )
    tracked = frozenset({"bilateral trade", "labour mobility"})
    assert canonicalize(observed, [*baseline, *kept], tracked) == canonicalize(
        observed, [*baseline, *prior], tracked
    )
