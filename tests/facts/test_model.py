"""The fact model: identity of tracked facts and of observations; the vocabulary's lookups."""

from __future__ import annotations

from dataclasses import replace

from facts.model import STATUS_RANK, FigureKind, Status, unit_dimension
from facts.vocabulary import Vocabulary
from tests.facts.helpers import VOCAB, commitment, figure


def test_figure_key_holds_subject_dimension_and_kind() -> None:
    assert figure("1E+11").key == "figure|bilateral trade|money|target"
    # "$12 billion" and "12 agreements" on one subject stay apart; USD and INR are one money.
    assert figure("12", unit="count").key != figure("12").key
    assert figure("12", unit="INR").key == figure("12", unit="USD").key
    assert figure("1", figure_kind=FigureKind.ACTUAL).key != figure("1").key


def test_commitment_key_is_the_subject_alone() -> None:
    a = commitment(Status.AIM, actors=("Russia",))
    b = commitment(Status.SIGNED, actors=("India and Russia",), deadline="2030")
    assert a.key == b.key == "commitment|labour mobility"


def test_observation_id_is_stable_and_tells_observations_apart() -> None:
    fact = figure("1E+11")
    assert fact.id == figure("1E+11").id
    assert fact.id.startswith("f_")
    assert len(fact.id) == 18
    assert figure("1E+11", url="https://other.example/").id != fact.id
    assert figure("1E+11", start=40).id != fact.id
    assert figure("2E+11").id != fact.id
    assert replace(commitment(Status.AIM), status=Status.SIGNED).id != commitment(Status.AIM).id


def test_unit_dimension() -> None:
    assert unit_dimension("USD") == unit_dimension("INR") == "money"
    assert unit_dimension("people") == unit_dimension("count") == "count"
    assert unit_dimension("furlongs") == "furlongs"
    assert unit_dimension(None) == "none"


def test_the_ladder() -> None:
    order = [Status.PROPOSED, Status.AIM, Status.EXPECTED, Status.AGREED, Status.SIGNED]
    order += [Status.IN_PROGRESS, Status.DELIVERED]
    assert [STATUS_RANK[s] for s in order] == sorted(STATUS_RANK[s] for s in order)
    assert STATUS_RANK[Status.AGREED] == STATUS_RANK[Status.PLEDGED]
    negatives = [Status.POSTPONED, Status.CANCELLED, Status.NOT_AGREED, Status.DENIED]
    assert max(STATUS_RANK[s] for s in negatives) < STATUS_RANK[Status.PROPOSED]


class TestVocabulary:
    def test_the_longest_alias_wins(self) -> None:
        text = "Bilateral trade turnover grew while trade turnover elsewhere fell."
        found = VOCAB.subjects.find(text)
        assert [(m.canonical, text[m.start : m.end]) for m in found] == [
            ("bilateral trade", "Bilateral trade turnover"),
            ("bilateral trade", "trade turnover"),
        ]

    def test_matching_is_case_insensitive_on_word_boundaries(self) -> None:
        assert [m.canonical for m in VOCAB.actors.find("MOSCOW and moscow")] == ["Russia"] * 2
        assert VOCAB.actors.find("Moscowite Modis") == []

    def test_spaces_in_an_alias_match_any_whitespace_or_hyphen(self) -> None:
        assert [m.canonical for m in VOCAB.actors.find("the two\nsides met")] == [
            "India and Russia"
        ]
        assert VOCAB.subjects.canonical("Two-Way  Trade") == "bilateral trade"

    def test_canonical_and_tracked(self) -> None:
        assert VOCAB.actors.canonical("the Kremlin") == "Russia"
        assert VOCAB.actors.canonical("Russia") == "Russia"
        assert VOCAB.actors.canonical("Paris") is None
        assert VOCAB.is_tracked("bilateral trade")
        assert VOCAB.is_tracked("agreements signed")
        assert not VOCAB.is_tracked("two-way trade")  # an alias, not a canonical name

    def test_an_empty_vocabulary_finds_nothing(self) -> None:
        empty = Vocabulary.empty()
        assert empty.actors.find("Russia") == []
        assert not empty.is_tracked("bilateral trade")
