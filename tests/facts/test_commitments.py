"""Commitments: the status ladder, negatives, actors, speakers, untracked objects."""

from __future__ import annotations

import pytest

from facts.commitments import CommitmentHit, find_commitments
from facts.model import FactKind, Status
from facts.vocabulary import Vocabulary
from tests.facts.helpers import VOCAB, commitments, extract, only


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Officials proposed a maritime corridor link.", Status.PROPOSED),
        ("India and Russia are considering a maritime corridor.", Status.PROPOSED),
        ("The two sides aim to expand civil nuclear cooperation.", Status.AIM),
        ("Russia plans to expand defence production.", Status.AIM),
        ("The Kremlin is expected to sign the labour mobility pact.", Status.EXPECTED),
        ("Russia is due to sign a labour mobility pact.", Status.EXPECTED),
        ("India and Russia have agreed to expand labour mobility.", Status.AGREED),
        ("India and Russia reached an agreement on defence production.", Status.AGREED),
        ("Moscow pledged support for defence production.", Status.PLEDGED),
        ("Russia committed to long-term crude supply.", Status.PLEDGED),
        ("Russia signed the labour mobility agreement.", Status.SIGNED),
        ("The two sides inked a civil nuclear cooperation deal.", Status.SIGNED),
        ("Work on the maritime corridor is under way.", Status.IN_PROGRESS),
        ("Russia delivered civil nuclear cooperation milestones.", Status.DELIVERED),
        ("The civil nuclear plant was commissioned.", Status.DELIVERED),
    ],
)
def test_positive_statuses(text: str, status: Status) -> None:
    fact = only(commitments(text))
    assert (fact.status, fact.negated) == (status, False)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        (
            "The Kremlin denied that Moscow had agreed to the long-term crude supply deal.",
            Status.DENIED,
        ),
        ("Moscow rejected reports of a long-term supply agreement.", Status.DENIED),
        ("The maritime corridor launch was postponed.", Status.POSTPONED),
        ("The maritime corridor was put on hold.", Status.POSTPONED),
        ("Russia cancelled the long-term crude supply deal.", Status.CANCELLED),
        ("India scrapped the maritime corridor plan.", Status.CANCELLED),
        ("The talks on labour mobility ended without an agreement.", Status.NOT_AGREED),
        ("India and Russia failed to agree on long-term crude supply.", Status.NOT_AGREED),
        ("The two sides did not sign the labour mobility pact.", Status.NOT_AGREED),
    ],
)
def test_negative_statuses(text: str, status: Status) -> None:
    fact = only(commitments(text))
    assert (fact.status, fact.negated) == (status, True)


def test_a_denial_governs_the_verb_it_denies() -> None:
    fact = only(
        commitments("The Kremlin denied that Moscow had agreed to the long-term crude supply deal.")
    )
    assert (fact.subject, fact.status, fact.action) == (
        "long-term crude supply",
        Status.DENIED,
        "denied",
    )


def test_the_first_positive_status_word_governs() -> None:
    fact = only(commitments("The Kremlin is expected to sign the labour mobility pact."))
    assert (fact.status, fact.action) == (Status.EXPECTED, "is expected to")
    fact = only(commitments("Russia signed the labour mobility pact it was expected to sign."))
    assert fact.status is Status.SIGNED


@pytest.mark.parametrize(
    ("text", "actors"),
    [
        ("Moscow pledged support for defence production.", ("Russia",)),
        ("The Kremlin agreed to expand labour mobility.", ("Russia",)),
        ("New Delhi signed the labour mobility pact.", ("India",)),
        ("The two sides aim to expand civil nuclear cooperation.", ("India and Russia",)),
        ("India and Russia agreed on labour mobility.", ("India and Russia",)),
        ("Moscow and New Delhi agreed on labour mobility.", ("Russia", "India")),
        ("Moscow and the Kremlin agreed on labour mobility.", ("Russia",)),
        ("Officials agreed on labour mobility.", ()),
    ],
)
def test_actors_are_canonical_and_unique(text: str, actors: tuple[str, ...]) -> None:
    assert only(commitments(text)).actors == actors


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("India and Russia agreed to expand labour mobility, the minister said.", "the minister"),
        (
            "Russia agreed to expand labour mobility, Foreign Minister S. Jaishankar said.",
            "Foreign Minister S. Jaishankar",
        ),
        ("Putin pledged to deepen defence cooperation, the Kremlin said.", "the Kremlin"),
        ("Mr. Putin said Russia pledged to expand defence production.", "Mr. Putin"),
        ("India and Russia agreed to expand labour mobility.", None),
    ],
)
def test_the_speaker_is_recorded(text: str, speaker: str | None) -> None:
    assert only(commitments(text)).speaker == speaker


def test_a_commitment_takes_the_deadline_after_its_verb() -> None:
    fact = only(commitments("Russia pledged long-term crude supply by end-March 2027."))
    assert fact.deadline == "2027-03"
    fact = only(commitments("Labour mobility is expected to be completed by FY27."))
    assert fact.deadline == "2027-03"
    assert only(commitments("Russia pledged long-term crude supply.")).deadline is None


def test_one_commitment_per_subject_named() -> None:
    found = commitments("India and Russia agreed on labour mobility and defence production.")
    assert [(f.subject, f.status) for f in found] == [
        ("labour mobility", Status.AGREED),
        ("defence production", Status.AGREED),
    ]


class TestUntrackedCommitments:
    def test_firm_with_an_actor_is_kept_with_its_object_as_subject(self) -> None:
        fact = only(commitments("Russia agreed to build a new fertiliser plant."))
        assert (fact.subject, fact.status, fact.actors) == (
            "build a new fertiliser plant",
            Status.AGREED,
            ("Russia",),
        )

    def test_a_negative_with_an_actor_is_kept(self) -> None:
        fact = only(commitments("Russia cancelled the fertiliser plant project."))
        assert (fact.subject, fact.status) == ("fertiliser plant project", Status.CANCELLED)

    def test_the_object_stops_at_a_preposition(self) -> None:
        fact = only(commitments("Russia signed a fertiliser supply deal with India in Delhi."))
        assert fact.subject == "fertiliser supply deal"

    @pytest.mark.parametrize(
        "text",
        [
            "Russia plans to build a new fertiliser plant.",  # not firm
            "The two sides discussed a new fertiliser plant.",  # not firm
            "Someone agreed to build a new fertiliser plant.",  # no actor
            "Russia signed the pact.",  # a one-word object says nothing
            "The Kremlin denied that it had agreed.",  # reported speech
        ],
    )
    def test_dropped(self, text: str) -> None:
        assert commitments(text) == []

    @pytest.mark.parametrize(
        "text",
        [
            "Russia and India signed 12 agreements.",
            "Russia and India signed twelve agreements.",
            "Russia and India signed Thirty-one pacts.",
            "Russia signed 12 new contracts.",
        ],
    )
    def test_a_count_is_a_figure_not_a_commitment(self, text: str) -> None:
        facts = extract(text)
        assert [f.kind for f in facts] == [FactKind.FIGURE]
        assert facts[0].unit == "count"


def test_no_status_word_no_commitment() -> None:
    assert commitments("Bilateral trade was $65 billion in 2024.") == []
    assert commitments("Labour mobility is covered, officials told reporters.") == []


def test_find_commitments_marks_tracked_subjects() -> None:
    tracked = only_hit(find_commitments("Russia agreed on labour mobility.", VOCAB))
    assert (tracked.subject, tracked.tracked, tracked.negated) == ("labour mobility", True, False)
    untracked = only_hit(find_commitments("Russia agreed to build a plant.", VOCAB))
    assert (untracked.subject, untracked.tracked) == ("build a plant", False)
    assert find_commitments("Russia agreed on labour mobility.", Vocabulary.empty()) == []


def only_hit(hits: list[CommitmentHit]) -> CommitmentHit:
    assert len(hits) == 1, hits
    return hits[0]
