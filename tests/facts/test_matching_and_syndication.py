"""Paraphrase matching, reprint detection and passed deadlines: pure functions."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from facts.compare import passed_deadlines
from facts.matching import canonicalize, similar
from facts.model import ChangeKind, FigureKind, Status
from facts.syndication import find_reprints, is_near_duplicate, simhash
from tests.factories import commitment, figure

STORY = (
    "India and Russia agreed on Friday to open a shipping route between Chennai and "
    "Vladivostok by 2027, officials said, adding that the first vessels would carry "
    "fertiliser, machinery and coal. The two governments will share the cost of new "
    "port cranes and a customs office at each end, and a joint working group is to "
    "meet every quarter to track cargo volumes and freight rates."
)


def test_similar_accepts_paraphrases_and_refuses_overlap() -> None:
    assert similar("maritime corridor to vladivostok", "vladivostok maritime corridor")
    assert similar("rupee payment mechanism", "rupee-rouble payment mechanism")
    assert not similar("defence agreements", "trade agreements")
    assert not similar("trade", "bilateral trade")  # one word is not enough to go on


def test_canonicalize_maps_an_untracked_paraphrase_to_the_known_subject() -> None:
    known = commitment(Status.AGREED, subject="vladivostok maritime corridor")
    seen = commitment(Status.SIGNED, subject="maritime corridor to vladivostok")
    other = commitment(Status.SIGNED, subject="fertiliser plant in odisha")
    [a, b] = canonicalize([seen, other], [known], tracked_subjects=frozenset())
    assert a.subject == "vladivostok maritime corridor" and a.key == known.key
    assert b.subject == "fertiliser plant in odisha"


def test_canonicalize_keeps_targets_apart_from_actuals_and_tracked_subjects_apart() -> None:
    target = figure("100", subject="two way trade goal", figure_kind=FigureKind.TARGET)
    actual = figure("60", subject="two way trade goal figure", figure_kind=FigureKind.ACTUAL)
    [kept] = canonicalize([actual], [target], tracked_subjects=frozenset())
    assert kept.subject == "two way trade goal figure"  # an actual never joins a target
    tracked = figure("5", subject="Indian exports to Russia")
    [same] = canonicalize([tracked], [figure("5", subject="Russian exports to India")],
                          tracked_subjects=frozenset({"Indian exports to Russia"}))  # fmt: skip
    assert same.subject == "Indian exports to Russia"


def test_actual_figures_of_different_periods_are_different_facts() -> None:
    fy24 = replace(figure("4", figure_kind=FigureKind.ACTUAL), period="FY2024")
    fy25 = replace(figure("5", figure_kind=FigureKind.ACTUAL), period="FY2025")
    target = replace(figure("9", figure_kind=FigureKind.TARGET), period="FY2025")
    assert fy24.key != fy25.key
    assert target.key == replace(target, period=None).key  # a target's key ignores period


def test_a_reprint_is_near_its_original_and_unrelated_text_is_not() -> None:
    reprint = STORY + " This story was provided by a wire service."
    other = (
        "Russian oil shipments to Indian refiners fell in November as buyers waited for "
        "clarity on payment terms, with several cargoes diverted to other ports and "
        "traders quoting wider discounts for the next loading cycle in the new year."
    )
    assert is_near_duplicate(simhash(STORY), simhash(reprint))
    assert not is_near_duplicate(simhash(STORY), simhash(other))
    assert simhash("") == 0 and not is_near_duplicate(0, 0)


def test_find_reprints_points_every_copy_at_the_original() -> None:
    h = simhash(STORY)
    copy = simhash(STORY + " Reprinted with permission.")
    found = find_reprints([("b", copy), ("c", h)], known=[("a", h)])
    assert found == {"b": "a", "c": "a"}
    assert find_reprints([("x", h), ("y", copy)], known=[]) == {"y": "x"}


def test_find_reprints_takes_the_earliest_near_article_as_a_scan_would() -> None:
    """Against a scan of every earlier article, on fingerprints 0 to 20 bits apart
    (the threshold is 12), some of them 0, which is near nothing."""
    rng = random.Random(5)

    def scan(new: list[tuple[str, int]], known: list[tuple[str, int]]) -> dict[str, str]:
        originals, found = list(known), {}
        for url, h in new:
            match = next((u for u, o in originals if is_near_duplicate(o, h)), None)
            if match is None:
                originals.append((url, h))
            else:
                found[url] = found.get(match, match)
        return found

    def copy(stories: list[int]) -> int:
        h = rng.choice(stories)
        for _ in range(rng.choice([0, 1, 6, 11, 12, 12, 13, 20])):
            h ^= 1 << rng.randrange(64)
        return h

    for _ in range(200):
        stories = [rng.getrandbits(64) for _ in range(rng.randint(1, 6))] + [0]
        known = [(f"https://k/{i}", copy(stories)) for i in range(rng.randint(0, 30))]
        new = [(f"https://n/{i}", copy(stories)) for i in range(rng.randint(0, 30))]
        assert find_reprints(new, known) == scan(new, known)


def test_canonicalize_takes_the_earliest_similar_subject() -> None:
    # Both known subjects are similar to the new one; the one known first wins, even
    # when it has a different number of words and the later one scores higher.
    first = commitment(Status.AGREED, subject="chennai vladivostok maritime corridor")
    second = commitment(Status.AGREED, subject="vladivostok maritime corridor")
    seen = commitment(Status.SIGNED, subject="maritime corridor to vladivostok")
    assert similar(seen.subject, first.subject) and similar(seen.subject, second.subject)
    [a] = canonicalize([seen], [first, second], tracked_subjects=frozenset())
    [b] = canonicalize([seen], [second, first], tracked_subjects=frozenset())
    assert (a.subject, b.subject) == (first.subject, second.subject)
    # A subject learned in the run is matched like a known one, and after them.
    fresh = commitment(Status.SIGNED, subject="rupee rouble payment mechanism")
    again = commitment(Status.SIGNED, subject="rupee-rouble payment mechanism")
    [c, d] = canonicalize([fresh, again], [first], tracked_subjects=frozenset())
    assert (c.subject, d.subject) == (fresh.subject, fresh.subject)


def test_a_passed_deadline_is_raised_while_the_commitment_is_open() -> None:
    open_item = commitment(Status.AGREED, subject="maritime corridor", deadline="2026-03")
    done = commitment(Status.DELIVERED, subject="labour mobility", deadline="2026-03")
    later = commitment(Status.SIGNED, subject="civil nuclear", deadline="2027")
    [change] = passed_deadlines([open_item, done, later], [], today=date(2026, 4, 2))
    assert change.kind is ChangeKind.DEADLINE_PASSED
    assert change.subject == "maritime corridor"
    assert passed_deadlines([open_item], [], today=date(2026, 3, 30)) == []  # still March
    # "by 2027" means by the end of 2027
    assert passed_deadlines([later], [], today=date(2027, 12, 31)) == []
    delivered = replace(open_item, status=Status.DELIVERED)
    assert passed_deadlines([open_item], [delivered], today=date(2026, 4, 2)) == []


def test_contradictions_grow_with_observations_not_with_their_pairs() -> None:
    """A figure restated by many outlets, half with one value and half with another,
    gives at most one contradiction per observation (was one per pair: quadratic)."""
    from facts.compare import compare

    observed = [
        figure(
            "12" if i % 2 else "21",
            subject="agreements signed",
            unit="count",
            figure_kind=FigureKind.ACTUAL,
            url=f"https://n.example/{i}",
            outlet=f"outlet {i}",
            published=date(2025, 12, 5),
        )
        for i in range(200)
    ]
    contradictions = [c for c in compare([], observed) if c.kind is ChangeKind.CONTRADICTION]
    assert 0 < len(contradictions) <= len(observed)
    assert {frozenset((c.details["this"], c.details["other"])) for c in contradictions} == {
        frozenset(("12", "21"))
    }
