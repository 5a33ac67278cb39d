"""needed_prior: comparing against the few stored observations it keeps gives what
comparing against all of them gives."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from facts.compare import (
    CompareOptions,
    compare,
    kept_of_key,
    needed_prior,
    passed_deadlines,
    stored_order,
)
from facts.matching import canonicalize
from facts.model import Fact, FigureKind, Status
from tests.factories import baseline_figure, commitment, figure

OUTLETS = ["Wire A", "Ledger B", "Herald C", "wire a"]  # outlets compare case-blind
VALUES = ["100000000000", "1E+11", "150000000000", "120000000000"]
TARGET_KEY = figure("1", subject="bilateral trade").key
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
            kind = rng.choice([FigureKind.TARGET, None])  # None: "actual" in the key only
            seen = figure(rng.choice(VALUES), subject=subject, figure_kind=kind, **where)
            # The period is in paraphrase matching's shape, not in a target's key.
            out.append(replace(seen, period=rng.choice([None, None, "2030"])))
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


def test_the_first_of_each_matching_shape_is_kept_though_the_key_leaves_its_period_out() -> None:
    def target(day: int, period: str | None, subject: str = "bilateral trade") -> Fact:
        seen = figure("100000000000", subject=subject, url=f"http://127.0.0.1:1/{day}",
                      outlet="Wire A", published=date(2025, 12, day))  # fmt: skip
        return replace(seen, period=period)

    prior = [target(1, None), target(2, "2030"), target(3, None)]
    assert len({f.key for f in prior}) == 1  # one key: a target's key has no period
    paraphrase = target(4, "2030", subject="trade bilateral")
    kept = needed_prior(prior)
    matched = canonicalize([paraphrase], kept, frozenset())
    assert [f.subject for f in matched] == ["bilateral trade"]
    assert matched == canonicalize([paraphrase], prior, frozenset())


def _with_ids(facts: list[Fact]) -> list[tuple[str, Fact]]:
    # Ids of their own: the generated facts share URLs and places in the text, so the
    # order falls back on the id often.
    return [(f"f_{i:06d}", fact) for i, fact in enumerate(facts)]


def _in_order(pairs: list[tuple[str, Fact]]) -> list[tuple[str, Fact]]:
    return sorted(pairs, key=lambda p: stored_order(p[1], p[0]))


@pytest.mark.parametrize("seed", range(8))
def test_what_each_key_kept_keeps_what_every_observation_would(seed: int) -> None:
    rng = random.Random(seed)
    pairs = _in_order(_with_ids(_observations(rng, 1500)))
    every = [fid for fid, _ in _needed(pairs)]
    kept: set[str] = set()
    for key in {f.key for _, f in pairs}:
        kept |= kept_of_key([p for p in pairs if p[1].key == key])
    assert len(kept) < len(pairs) / 3
    assert [fid for fid, _ in _needed([p for p in pairs if p[0] in kept])] == every


@pytest.mark.parametrize("seed", range(8))
def test_a_keys_marks_carry_over_to_its_next_observations(seed: int) -> None:
    """kept_of_key of what it kept plus any new observations (not only later ones)
    keeps what it would of all of them: a save updates the marks from those alone."""
    rng = random.Random(seed)
    pairs = [p for p in _with_ids(_observations(rng, 1200)) if p[1].key == TARGET_KEY]
    assert len(pairs) > 50
    rng.shuffle(pairs)
    old, new = pairs[: len(pairs) // 2], pairs[len(pairs) // 2 :]
    marked = kept_of_key(_in_order(old))
    carried = kept_of_key(_in_order([*(p for p in old if p[0] in marked), *new]))
    assert carried == kept_of_key(_in_order(pairs))


def _needed(pairs: list[tuple[str, Fact]]) -> list[tuple[str, Fact]]:
    by_fact = {id(f): (fid, f) for fid, f in pairs}
    return [by_fact[id(f)] for f in needed_prior(f for _, f in pairs)]
