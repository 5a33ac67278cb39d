"""Store.needed_observations: the rows a store keeps marked give what needed_prior
keeps of every stored observation, on SQLite and PostgreSQL, run after run."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from sqlalchemy import func, select, true, update

from facts.compare import needed_prior, stored_order
from facts.model import Evidence, Fact
from storage import RunResult, Store
from storage.models import FactRow
from tests.facts.test_needed_prior import _observations
from tests.storage.test_store import TOPIC, article

# Mixed case and a non-ASCII letter: ordered by code point, as Python orders str.
PATHS = ["a", "B", "b", "Z", "é", "a/1"]


def _run(store: Store, rng: random.Random, first: int, n: int) -> None:
    """One run that stores ``n`` random observations over a few articles."""
    facts: dict[str, list[Fact]] = {}
    for i, fact in enumerate(_observations(rng, n, start=first)):
        url = f"http://127.0.0.1:1/{rng.choice(PATHS)}/{first}/{rng.randrange(n // 4 + 1)}"
        ev = fact.evidence
        # Each fact has a twin at the same place in the text that differs only in its
        # end (so in its id): the two tie in everything the order looks at but the id,
        # and compete for the same first and latest of their value and outlet.
        for end in (5, 6):
            where = Evidence(url, ev.outlet, ev.published, ev.quote, first + i, first + i + end)
            facts.setdefault(url, []).append(replace(fact, evidence=where))
    articles = [
        (replace(article(url), published=fs[0].evidence.published), fs) for url, fs in facts.items()
    ]
    store.save_run(RunResult(store.start_run(TOPIC), TOPIC, articles=articles))


def _expected(store: Store, keys: set[str]) -> list[str]:
    every = list(store.prior_observations(TOPIC, keys))
    return [f.id for f in needed_prior(sorted(every, key=lambda f: stored_order(f, f.id)))]


@pytest.mark.parametrize("seed", range(3))
def test_the_marked_rows_keep_what_every_row_would(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    first = 0
    for run in range(6):
        n = rng.randrange(200, 500)
        _run(store, rng, first, n)
        first += n
        if run == 2:  # rows stored before the marks existed: all marked, as migrated
            with store.engine.begin() as conn:
                conn.execute(update(FactRow).values(kept=True))
        keys = {f.key for f in store.prior_observations(TOPIC, _all_keys(store))}
        for subset in (keys, set(rng.sample(sorted(keys), max(1, len(keys) // 2)))):
            got = [f.id for f in store.needed_observations(TOPIC, subset)]
            assert got == _expected(store, subset)
    with store.engine.connect() as conn:
        marked = conn.scalar(select(func.count()).where(FactRow.kept == true()))
    assert marked < store.counts(TOPIC)["facts"] / 3


def _all_keys(store: Store) -> set[str]:
    return {f.key for f in store.facts(TOPIC)}
