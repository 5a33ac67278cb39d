"""The extraction quality gate: the extractor over the labelled corpus
(tests/data/extraction) must reach the floors in floors.json.

    .venv/bin/pledgewatch eval --split tune     # the numbers, per split, while tuning

Tune on the "tune" split only; "heldout" is there to tell whether the rules
generalise. The floors are over the whole corpus.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from facts.evaluation import aggregate, score_article
from facts.model import Evidence, Fact, FactKind, Status
from facts.text import split_sentences
from flows.evaluation import (
    DEFAULT_CORPUS,
    CorpusArticle,
    evaluate,
    load_corpus,
    load_floors,
)

# The brief's minimums: floors.json may rise above them, never fall below.
MINIMUM_FLOORS = {
    "figures_f1": 0.92,
    "commitments_found": 0.85,
    "commitments_status_right": 0.80,
    "deadlines_f1": 0.85,
}


@pytest.fixture(scope="module")
def corpus() -> list[CorpusArticle]:
    return load_corpus(DEFAULT_CORPUS)


def test_the_extractor_reaches_every_floor() -> None:
    evaluation = evaluate()
    reached = {k: round(v, 4) for k, v in evaluation.total.gate_metrics().items()}
    assert evaluation.missed_floors() == {}, f"reached {reached}, floors {evaluation.floors}"


def test_floors_are_data_and_never_below_the_minimums() -> None:
    floors = load_floors(DEFAULT_CORPUS)
    assert set(floors) == set(MINIMUM_FLOORS)
    for metric, minimum in MINIMUM_FLOORS.items():
        assert floors[metric] >= minimum, metric


def test_the_corpus_is_whole(corpus: list[CorpusArticle]) -> None:
    splits = [a.split for a in corpus]
    assert len(corpus) == 25
    assert (splits.count("tune"), splits.count("heldout")) == (17, 8)
    for article in corpus:
        # Every expected sentence is in its article, inside one sentence of it.
        sentences = [s.text for s in split_sentences(article.text)]
        for item in (*article.expected["figures"], *article.expected["commitments"]):
            assert any(item["sentence"] in s for s in sentences), (article.name, item["sentence"])


def _evidence(article: CorpusArticle, fragment: str) -> Evidence:
    published = date.fromisoformat(article.expected["published"])
    for s in split_sentences(article.text):
        if fragment in s.text:
            return Evidence(f"eval:{article.name[:3]}", "x", published, s.text, s.start, s.end)
    raise AssertionError(fragment)


def _perfect(article: CorpusArticle) -> list[Fact]:
    """The facts an ideal extractor would give: the annotation itself."""
    out: list[Fact] = []
    for item in article.expected["figures"]:
        out.append(
            Fact(
                kind=FactKind.FIGURE,
                subject=item["subject"],
                evidence=_evidence(article, item["sentence"]),
                value=Decimal(str(item["value"])),
                unit=item["unit"],
                deadline=item["deadline"],
            )
        )
    for item in article.expected["commitments"]:
        out.append(
            Fact(
                kind=FactKind.COMMITMENT,
                subject=item["subject"],
                evidence=_evidence(article, item["sentence"]),
                status=Status(item["status"]),
                actors=tuple(item["actors"]),
                deadline=item["deadline"],
            )
        )
    return out


def _score_all(corpus: list[CorpusArticle], extract: Any) -> dict[str, float]:
    scores = [score_article(a.text, a.expected, extract(a), name=a.name) for a in corpus]
    return aggregate(scores).gate_metrics()


def test_a_perfect_extraction_scores_one(corpus: list[CorpusArticle]) -> None:
    # Also checks the annotation: every listed deadline belongs to some fact.
    assert _score_all(corpus, _perfect) == dict.fromkeys(MINIMUM_FLOORS, 1.0)


def test_an_empty_extraction_cannot_pass(corpus: list[CorpusArticle]) -> None:
    scores = [score_article(a.text, a.expected, [], name=a.name) for a in corpus]
    total = aggregate(scores)
    assert (total.figures.recall, total.commitments.recall, total.deadlines.recall) == (0, 0, 0)
    assert all(v == 0 for v in total.gate_metrics().values())


def test_noise_lowers_the_score(corpus: list[CorpusArticle]) -> None:
    def noisy(article: CorpusArticle) -> list[Fact]:
        facts = _perfect(article)
        return facts + [replace(f, value=Decimal(-1)) for f in facts if f.kind is FactKind.FIGURE]

    assert _score_all(corpus, noisy)["figures_f1"] < 0.7
