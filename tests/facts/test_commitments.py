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
        ("text", "status"),
        [
            ("Russia plans to build a new fertiliser plant.", Status.AIM),  # not firm
            ("The two sides discussed a new fertiliser plant.", Status.PROPOSED),  # not firm
            ("Someone agreed to build a new fertiliser plant.", Status.AGREED),  # no actor
            ("Russia signed the pact.", Status.SIGNED),  # a one-word object says nothing
            ("The Kremlin denied that it had agreed.", Status.DENIED),  # reported speech
        ],
    )
    def test_unnamed_is_kept_as_unknown(self, text: str, status: Status) -> None:
        # Stored and counted, never compared (compare skips the unknown subject).
        fact = only(commitments(text))
        assert (fact.subject, fact.status) == ("unknown", status)

    @pytest.mark.parametrize(
        "text",
        [
            "Russia and India signed 12 agreements.",
            "Russia and India signed twelve agreements.",
            "Russia and India signed Thirty-one pacts.",
            "Russia signed 12 new contracts.",
        ],
    )
    def test_a_count_is_a_figure_and_the_signing_has_no_subject(self, text: str) -> None:
        # The count is the tracked figure; the signing is kept without a subject,
        # so it never becomes a commitment keyed by what was counted.
        figure, signing = extract(text)
        assert (figure.kind, figure.unit) == (FactKind.FIGURE, "count")
        assert (signing.kind, signing.subject, signing.status) == (
            FactKind.COMMITMENT,
            "unknown",
            Status.SIGNED,
        )


def test_no_status_word_no_commitment() -> None:
    assert commitments("Bilateral trade was $65 billion in 2024.") == []
    assert commitments("Labour mobility is covered, officials told reporters.") == []


def test_find_commitments_marks_tracked_subjects() -> None:
    tracked = only_hit(find_commitments("Russia agreed on labour mobility.", VOCAB))
    assert (tracked.subject, tracked.tracked, tracked.negated) == ("labour mobility", True, False)
    untracked = only_hit(find_commitments("Russia agreed to build a plant.", VOCAB))
    assert (untracked.subject, untracked.tracked) == ("build a plant", False)
    unnamed = only_hit(find_commitments("Russia agreed on labour mobility.", Vocabulary.empty()))
    assert (unnamed.subject, unnamed.tracked) == ("unknown", False)


def only_hit(hits: list[CommitmentHit]) -> CommitmentHit:
    assert len(hits) == 1, hits
    return hits[0]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        # Hedging: a modal before a status word, or "may include", is a proposal.
        ("The swap arrangement may include standby funding for exporters.", Status.PROPOSED),
        ("A long-term crude supply deal may not be signed any time soon.", Status.PROPOSED),
        ("The labour mobility pact could be signed next week.", Status.PROPOSED),
        ("The Russian side is ready to build six more power units.", Status.PROPOSED),
        ("Moscow has offered to restore crude shipments.", Status.PROPOSED),
        ("Moscow has also floated extending the arrangement.", Status.PROPOSED),
        ("Both countries are weighing a rupee-rouble swap arrangement.", Status.PROPOSED),
        ("The two sides were negotiating a long-term supply agreement.", Status.PROPOSED),
        ("Russian banks are expected to open more vostro accounts.", Status.EXPECTED),
        ("The Kremlin wants more trade settled in roubles.", Status.AIM),
        ("The partners aim to commission the plant by end-March 2027.", Status.AIM),
        ("The Russian side is building the fifth unit of the plant.", Status.IN_PROGRESS),
        ("The Russian side guarantees fuel supplies for the units.", Status.PLEDGED),
        ("Russian producers have already shipped fertilisers to India.", Status.DELIVERED),
        # Negation.
        ("The long-term crude supply deal did not materialise.", Status.NOT_AGREED),
        ("Nor was there agreement on a price mechanism for oil.", Status.NOT_AGREED),
        ("New Delhi has declined a Russian request to exempt the balances.", Status.NOT_AGREED),
        ("Talks on a rupee settlement window ended without an agreement.", Status.NOT_AGREED),
        ("India, Russia put off rupee settlement pact", Status.POSTPONED),
        ("New Delhi is unlikely to sign the long-term supply deal.", Status.PROPOSED),
        ("The ministers met for three hours and signed nothing.", Status.NOT_AGREED),
        ("Russia refused to sign the labour mobility pact.", Status.NOT_AGREED),
    ],
)
def test_hedges_and_negations(text: str, status: Status) -> None:
    assert only(commitments(text)).status is status


@pytest.mark.parametrize(
    "text",
    [
        "Analysts said the credit line, if approved, would be the largest such support.",
        "Traders expect the discount to narrow by March.",
        "Benchmark grades were offered at wider discounts this week.",
        "The discount on Russian grades has narrowed sharply.",
        "It is unlikely to be different this time.",
        "The Indian Defence Ministry declined to comment.",
    ],
)
def test_no_commitment(text: str) -> None:
    assert commitments(text) == []


class TestClauses:
    def test_a_new_clause_is_a_new_commitment(self) -> None:
        found = commitments(
            "The two governments cancelled a separate pilot scheme for nurses in October, "
            "after failing to agree on how to recognise nursing degrees."
        )
        assert [f.status for f in found] == [Status.CANCELLED, Status.NOT_AGREED]

    def test_a_headline_with_two_verbs(self) -> None:
        found = commitments("India, Russia sign 14 agreements, set $100 billion trade goal")
        assert [f.status for f in found] == [Status.SIGNED, Status.AIM]

    @pytest.mark.parametrize(
        ("text", "status"),
        [
            # A relative clause or an apposition describes the same commitment.
            (
                "Both countries are weighing a swap arrangement, which may include up to "
                "$5 billion in funding.",
                Status.PROPOSED,
            ),
            (
                "Moscow has floated extending the arrangement, a step that may include visas.",
                Status.PROPOSED,
            ),
            # A second status word in the same clause: the first governs.
            (
                "The two sides are expected to adopt a joint statement and sign more than a "
                "dozen agreements.",
                Status.EXPECTED,
            ),
            # "No contract has yet been signed" commits nobody.
            (
                "The two sides were negotiating a long-term supply agreement, though no "
                "contract had yet been signed.",
                Status.PROPOSED,
            ),
            # A noun names what a verb elsewhere states.
            (
                "Talks on a free trade agreement, however, ended without a deal.",
                Status.NOT_AGREED,
            ),
            (
                "The Russian side has proposed a dedicated fleet, and our partners are studying "
                "this proposal.",
                Status.PROPOSED,
            ),
            (
                "A memorandum on the maritime corridor, signed on Friday, sets out plans to cut "
                "shipping time.",
                Status.SIGNED,
            ),
        ],
    )
    def test_one_commitment(self, text: str, status: Status) -> None:
        assert only(commitments(text)).status is status

    def test_a_second_clause_with_no_one_named_is_dropped(self) -> None:
        found = commitments(
            "The two governments have signed an agreement on labour mobility, and enterprises "
            "are ready to welcome specialists from India."
        )
        assert [(f.subject, f.status) for f in found] == [("labour mobility", Status.SIGNED)]


class TestWill:
    @pytest.mark.parametrize(
        "text",
        [
            "Russia and India will expand the joint production of military equipment.",
            "Russian Defence Minister: Moscow and New Delhi to expand joint production of tanks",
        ],
    )
    def test_named_actors_will_do_a_tracked_thing(self, text: str) -> None:
        fact = only(commitments(text))
        assert (fact.subject, fact.status) == ("defence production", Status.AGREED)

    @pytest.mark.parametrize(
        "text",
        [
            "Bilateral trade between India and Russia will reach $100 billion.",
            "Russia will not supply crude under a long-term supply deal.",
            "Modi and Putin will hold a private dinner on Thursday.",  # nothing tracked
        ],
    )
    def test_not_a_commitment(self, text: str) -> None:
        assert commitments(text) == []


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"We agreed on labour mobility," said Anil Verkade, president of the body.',
         "Anil Verkade"),
        ("According to Voronin, the Russian side is building the civil nuclear plant.",
         "Voronin"),
    ],
)  # fmt: skip
def test_more_speakers(text: str, speaker: str) -> None:
    assert only(commitments(text)).speaker == speaker


def test_the_subject_alias_matches_any_dash() -> None:
    fact = only(commitments("Russia proposed that the Chennai–Vladivostok corridor be served."))
    assert fact.subject == "maritime corridor"


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("India and Russia will not sign the civil nuclear agreement this year.", "not_agreed"),
        ("India and Russia won't sign the civil nuclear agreement this year.", "not_agreed"),
        ("India and Russia will sign the civil nuclear agreement next week.", "expected"),
        ("India and Russia signed the civil nuclear agreement on Friday.", "signed"),
    ],
)
def test_future_and_refused_signings(sentence: str, status: str) -> None:
    [found] = [c for c in find_commitments(sentence, VOCAB) if c.subject != "unknown"]
    assert found.status.value == status
