"""Comparison with the baseline and between sources: typed changes, deterministic."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from facts.compare import CompareOptions, compare, deadline_sort_key
from facts.model import Change, ChangeKind, Fact, FigureKind, Status
from tests.facts.helpers import commitment, extract, figure

BASE: dict[str, Any] = {
    "url": "baseline:summit",
    "outlet": "baseline",
    "published": date(2025, 12, 4),
}


def _kinds(changes: list[Change]) -> list[ChangeKind]:
    return [c.kind for c in changes]


def _only(changes: list[Change]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


class TestAgainstTheBaseline:
    def test_the_same_figure_is_confirmed(self) -> None:
        base = figure("1E+11", deadline="2030", **BASE)
        obs = figure("100000000000", deadline="2030")
        change = _only(compare([base], [obs]))
        assert (change.kind, change.observed, change.baseline) == (ChangeKind.CONFIRMED, obs, base)

    def test_a_changed_value_carries_old_new_and_relative(self) -> None:
        change = _only(compare([figure("1E+11", **BASE)], [figure("1.5E+11")]))
        assert change.kind is ChangeKind.FIGURE_CHANGED
        assert change.details == {"value": {"old": "1E+11", "new": "1.5E+11", "relative": "0.5"}}

    def test_a_fall_is_a_negative_relative_change(self) -> None:
        change = _only(
            compare([figure("30", unit="percent", **BASE)], [figure("22", unit="percent")])
        )
        assert change.details["value"]["relative"] == "-0.2667"

    def test_a_change_of_currency_has_no_relative_change(self) -> None:
        change = _only(compare([figure("100", **BASE)], [figure("100", unit="INR")]))
        assert change.kind is ChangeKind.FIGURE_CHANGED
        assert change.details["value"]["relative"] is None

    def test_a_changed_upper_bound_is_a_changed_figure(self) -> None:
        base = figure("5.2E+10", value_max="5.4E+10", **BASE)
        change = _only(compare([base], [figure("5.2E+10", value_max="5.6E+10")]))
        assert change.kind is ChangeKind.FIGURE_CHANGED
        assert change.details["value"]["relative"] == "0"

    @pytest.mark.parametrize(
        ("old", "new", "direction"),
        [
            ("2030", "2032", "later"),
            ("2032", "2030", "earlier"),
            ("2027-03", "2027-09", "later"),
            # A bare year sorts as its December: "by 2027" is after "by end-March 2027".
            ("2027", "2027-03", "earlier"),
            ("2027-03", "2027", "later"),
            ("2026-12", "2027-01", "later"),
        ],
    )
    def test_a_moved_deadline(self, old: str, new: str, direction: str) -> None:
        change = _only(
            compare([figure("1E+11", deadline=old, **BASE)], [figure("1E+11", deadline=new)])
        )
        assert change.kind is ChangeKind.DEADLINE_MOVED
        assert change.details == {"deadline": {"old": old, "new": new, "direction": direction}}

    @pytest.mark.parametrize(("old", "new"), [("2027", "2027-12"), ("2027-12", "2027")])
    def test_a_year_and_its_december_are_one_deadline(self, old: str, new: str) -> None:
        # "by 2027" and "by end-2027" say the same thing.
        base = commitment(Status.AGREED, deadline=old, **BASE)
        assert _kinds(compare([base], [commitment(Status.AGREED, deadline=new)])) == [
            ChangeKind.CONFIRMED
        ]

    def test_an_observation_without_a_deadline_does_not_move_it(self) -> None:
        assert _kinds(compare([figure("1E+11", deadline="2030", **BASE)], [figure("1E+11")])) == [
            ChangeKind.CONFIRMED
        ]
        base = commitment(Status.AIM, deadline="2027-03", **BASE)
        assert _kinds(compare([base], [commitment(Status.AIM)])) == [ChangeKind.CONFIRMED]

    def test_a_deadline_the_baseline_lacks_does_not_move_either(self) -> None:
        assert _kinds(compare([figure("1E+11", **BASE)], [figure("1E+11", deadline="2030")])) == [
            ChangeKind.CONFIRMED
        ]

    def test_value_and_deadline_change_together(self) -> None:
        changes = compare(
            [figure("1E+11", deadline="2030", **BASE)], [figure("1.5E+11", deadline="2032")]
        )
        assert _kinds(changes) == [ChangeKind.FIGURE_CHANGED, ChangeKind.DEADLINE_MOVED]

    @pytest.mark.parametrize(
        ("old", "new", "direction"),
        [
            (Status.AIM, Status.AGREED, "up"),
            (Status.AGREED, Status.SIGNED, "up"),
            (Status.SIGNED, Status.DELIVERED, "up"),
            (Status.PROPOSED, Status.AIM, "up"),
            (Status.SIGNED, Status.EXPECTED, "down"),
            (Status.AGREED, Status.POSTPONED, "down"),
            (Status.POSTPONED, Status.CANCELLED, "down"),  # already negative: not a retraction
            (Status.NOT_AGREED, Status.AGREED, "up"),
        ],
    )
    def test_a_changed_status(self, old: Status, new: Status, direction: str) -> None:
        change = _only(compare([commitment(old, **BASE)], [commitment(new)]))
        assert change.kind is ChangeKind.STATUS_CHANGED
        assert change.details == {
            "status": {"old": old.value, "new": new.value, "direction": direction}
        }

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            (Status.AGREED, Status.DENIED),
            (Status.PROPOSED, Status.CANCELLED),
            (Status.SIGNED, Status.DENIED),
        ],
    )
    def test_a_positive_commitment_denied_or_cancelled_is_retracted(
        self, old: Status, new: Status
    ) -> None:
        change = _only(compare([commitment(old, **BASE)], [commitment(new)]))
        assert change.kind is ChangeKind.RETRACTED
        assert change.details["status"] == {"old": old.value, "new": new.value, "direction": "down"}

    @pytest.mark.parametrize(
        ("old", "new"), [(Status.AGREED, Status.PLEDGED), (Status.PLEDGED, Status.AGREED)]
    )
    def test_agreed_and_pledged_are_one_rung(self, old: Status, new: Status) -> None:
        assert _kinds(compare([commitment(old, **BASE)], [commitment(new)])) == [
            ChangeKind.CONFIRMED
        ]

    def test_status_and_deadline_change_together(self) -> None:
        base = commitment(Status.AIM, deadline="2027-03", **BASE)
        changes = compare([base], [commitment(Status.SIGNED, deadline="2028")])
        assert _kinds(changes) == [ChangeKind.STATUS_CHANGED, ChangeKind.DEADLINE_MOVED]

    def test_actors_are_not_compared(self) -> None:
        base = commitment(Status.AGREED, actors=("India and Russia",), **BASE)
        assert _kinds(compare([base], [commitment(Status.AGREED, actors=("Russia",))])) == [
            ChangeKind.CONFIRMED
        ]

    def test_a_target_and_an_actual_are_different_facts(self) -> None:
        base = figure("1E+11", figure_kind=FigureKind.TARGET, **BASE)
        actual = figure("6.5E+10", figure_kind=FigureKind.ACTUAL)
        assert _kinds(compare([base], [actual])) == [ChangeKind.NEW_FIGURE]


class TestNewFacts:
    def test_a_new_commitment(self) -> None:
        obs = commitment(Status.AGREED, subject="maritime corridor")
        change = _only(compare([commitment(Status.AGREED, **BASE)], [obs]))
        assert (change.kind, change.baseline) == (ChangeKind.NEW_COMMITMENT, None)

    def test_a_new_figure_on_a_tracked_subject(self) -> None:
        opts = CompareOptions(tracked_subjects=frozenset({"bilateral trade"}))
        assert _kinds(compare([], [figure("5E+10")], options=opts)) == [ChangeKind.NEW_FIGURE]

    def test_a_change_figure_is_tracked_with_its_subject(self) -> None:
        opts = CompareOptions(tracked_subjects=frozenset({"bilateral trade"}))
        obs = figure("18", subject="change in bilateral trade", unit="percent")
        assert _kinds(compare([], [obs], options=opts)) == [ChangeKind.NEW_FIGURE]

    def test_no_new_figure_on_an_untracked_subject(self) -> None:
        opts = CompareOptions(tracked_subjects=frozenset({"bilateral trade"}))
        obs = figure("45000", subject="workers", unit="people")
        assert compare([], [obs], options=opts) == []

    def test_every_subject_is_tracked_by_default(self) -> None:
        obs = figure("45000", subject="workers", unit="people")
        assert _kinds(compare([], [obs])) == [ChangeKind.NEW_FIGURE]

    def test_tracked_subjects_do_not_filter_commitments(self) -> None:
        opts = CompareOptions(tracked_subjects=frozenset({"bilateral trade"}))
        obs = commitment(Status.AGREED, subject="build a plant")
        assert _kinds(compare([], [obs], options=opts)) == [ChangeKind.NEW_COMMITMENT]


class TestUnknownSubject:
    def test_an_unknown_subject_gives_no_change(self) -> None:
        obs = figure("3E+9", subject="unknown")
        assert compare([figure("3E+9", subject="unknown", **BASE)], [obs]) == []
        assert compare([], [obs]) == []

    def test_a_change_of_an_unknown_subject_gives_no_change(self) -> None:
        # "Prices rose 5 per cent" and "Exports rose 9 per cent" name no subject:
        # two outlets saying so in one week do not contradict each other.
        first = extract("Prices rose 5 per cent.", outlet="A", url="https://a.example/1")
        second = extract("Exports rose 9 per cent.", outlet="B", url="https://b.example/1")
        assert [f.subject for f in first + second] == ["change in unknown"] * 2
        assert compare([], first + second) == []


class TestBetweenSources:
    def _two(
        self, outlet_b: str = "B", published_b: date = date(2025, 12, 7), value_b: str = "2.1E+10"
    ) -> list[Fact]:
        a = figure("1.2E+10", subject="agreements value", outlet="A", url="https://a.example/1")
        b = figure(
            value_b,
            subject="agreements value",
            outlet=outlet_b,
            url="https://b.example/1",
            published=published_b,
        )
        return [a, b]

    def test_two_outlets_within_the_window_contradict(self) -> None:
        a, b = self._two()
        changes = compare([], [b, a])
        assert _kinds(changes) == [ChangeKind.NEW_FIGURE, ChangeKind.CONTRADICTION]
        contradiction = changes[1]
        assert (contradiction.observed, contradiction.other) == (b, a)
        assert contradiction.details == {"field": "value", "this": "2.1E+10", "other": "1.2E+10"}

    def test_a_contradiction_against_the_baseline_subject_too(self) -> None:
        base = figure("1E+11", **BASE)
        a = figure("1.2E+11", outlet="A", url="https://a.example/1")
        b = figure("1.5E+11", outlet="B", url="https://b.example/1")
        changes = compare([base], [a, b])
        assert _kinds(changes) == [
            ChangeKind.FIGURE_CHANGED,
            ChangeKind.CONTRADICTION,
            ChangeKind.FIGURE_CHANGED,
        ]

    def test_the_same_outlet_does_not_contradict_itself(self) -> None:
        changes = compare([], self._two(outlet_b="a"))  # outlets compare case-insensitively
        assert _kinds(changes) == [ChangeKind.NEW_FIGURE, ChangeKind.FIGURE_CHANGED]

    def test_far_apart_in_time_is_a_change_against_the_first(self) -> None:
        changes = compare([], self._two(published_b=date(2026, 1, 7)))
        assert _kinds(changes) == [ChangeKind.NEW_FIGURE, ChangeKind.FIGURE_CHANGED]
        assert changes[1].details["value"] == {
            "old": "1.2E+10",
            "new": "2.1E+10",
            "relative": "0.75",
        }

    @pytest.mark.parametrize(("days", "contradicts"), [(2, True), (3, False)])
    def test_the_window_is_inclusive(self, days: int, contradicts: bool) -> None:
        facts = self._two(published_b=date(2025, 12, 6 + days))
        kinds = _kinds(compare([], facts))
        assert (ChangeKind.CONTRADICTION in kinds) is contradicts
        wide = CompareOptions(contradiction_window_days=days)
        assert ChangeKind.CONTRADICTION in _kinds(compare([], facts, options=wide))

    def test_agreement_between_outlets_is_no_contradiction(self) -> None:
        changes = compare([], self._two(value_b="1.2E+10"))
        assert _kinds(changes) == [ChangeKind.NEW_FIGURE, ChangeKind.NEW_FIGURE]

    def test_a_step_up_the_ladder_is_progress_not_contradiction(self) -> None:
        a = commitment(Status.AGREED, outlet="A", url="https://a.example/1")
        b = commitment(Status.SIGNED, outlet="B", url="https://b.example/1")
        assert ChangeKind.CONTRADICTION not in _kinds(compare([], [a, b]))

    def test_positive_against_negative_is_a_contradiction(self) -> None:
        a = commitment(Status.AGREED, outlet="A", url="https://a.example/1")
        b = commitment(Status.DENIED, outlet="B", url="https://b.example/1")
        change = _only([c for c in compare([], [a, b]) if c.kind is ChangeKind.CONTRADICTION])
        assert change.details == {"field": "status", "this": "denied", "other": "agreed"}

    def test_missing_dates_never_contradict(self) -> None:
        a = figure("1", subject="x", outlet="A", url="https://a.example/1", published=None)
        b = figure("2", subject="x", outlet="B", url="https://b.example/1", published=None)
        assert ChangeKind.CONTRADICTION not in _kinds(compare([], [a, b]))

    def test_each_source_is_quoted_as_it_wrote_the_value(self) -> None:
        # 2.1E+10 and 21000000000 are one value, but a contradiction shows each
        # source's own writing: field differences are remembered per value as written.
        def report(value: str, outlet: str, day: int) -> Fact:
            return figure(
                value,
                subject="agreements value",
                outlet=outlet,
                url=f"https://{outlet.lower()}.example/1",
                published=date(2025, 12, day),
            )

        a, b = report("1.2E+10", "A", 6), report("2.1E+10", "B", 6)
        c, d = report("21000000000", "C", 7), report("12000000000", "D", 7)
        found = [
            (ch.observed, ch.other, ch.details)
            for ch in compare([], [d, c, b, a])
            if ch.kind is ChangeKind.CONTRADICTION
        ]
        assert found == [
            (b, a, {"field": "value", "this": "2.1E+10", "other": "1.2E+10"}),
            (c, a, {"field": "value", "this": "21000000000", "other": "1.2E+10"}),
            (d, b, {"field": "value", "this": "12000000000", "other": "2.1E+10"}),
        ]

    def test_a_value_and_a_deadline_differing_both_count(self) -> None:
        a = figure("1.2E+10", subject="x", deadline="2030", outlet="A", url="https://a.example/1")
        b = figure("2.1E+10", subject="x", deadline="2032", outlet="B", url="https://b.example/1")
        c = figure("2.1E+10", subject="x", deadline="2030", outlet="C", url="https://c.example/1")
        changes = compare([figure("1.2E+10", subject="x", deadline="2030", **BASE)], [a, b, c])
        assert _kinds(changes) == [
            ChangeKind.CONFIRMED,
            ChangeKind.CONTRADICTION,
            ChangeKind.FIGURE_CHANGED,
            ChangeKind.DEADLINE_MOVED,
            ChangeKind.CONTRADICTION,
            ChangeKind.CONTRADICTION,
            ChangeKind.FIGURE_CHANGED,
        ]
        # The value is the first field a disagreement names, whatever else differs.
        assert changes[1].details == {"field": "value", "this": "2.1E+10", "other": "1.2E+10"}
        assert changes[3].details["deadline"] == {
            "old": "2030",
            "new": "2032",
            "direction": "later",
        }
        assert (changes[4].other, changes[5].other) == (a, b)
        assert changes[5].details == {"field": "deadline", "this": "2030", "other": "2032"}


class TestPrior:
    def test_prior_observations_fix_the_tracked_value(self) -> None:
        prior = figure("1.2E+10", subject="x", outlet="A", published=date(2025, 10, 1))
        obs = figure("2.4E+10", subject="x", outlet="A", url="https://a.example/2")
        change = _only(compare([], [obs], prior=[prior]))
        assert change.kind is ChangeKind.FIGURE_CHANGED
        assert (change.baseline, change.details["value"]["relative"]) == (prior, "1")

    def test_the_earliest_prior_is_the_reference(self) -> None:
        older = figure("1E+10", subject="x", published=date(2025, 9, 1), url="https://a/1")
        newer = figure("2E+10", subject="x", published=date(2025, 10, 1), url="https://a/2")
        obs = figure("3E+10", subject="x", url="https://a/3")
        change = _only(compare([], [obs], prior=[newer, older]))
        assert change.baseline == older

    def test_prior_takes_part_in_contradictions(self) -> None:
        prior = figure("1E+10", subject="x", outlet="A", published=date(2025, 12, 5))
        obs = figure("2E+10", subject="x", outlet="B", url="https://b.example/1")
        change = _only(compare([], [obs], prior=[prior]))
        assert (change.kind, change.other) == (ChangeKind.CONTRADICTION, prior)

    def test_prior_alone_produces_nothing(self) -> None:
        assert compare([], [], prior=[figure("1E+10", subject="x")]) == []

    def test_the_baseline_wins_over_prior(self) -> None:
        base = figure("1E+11", **BASE)
        prior = figure("1.5E+11", published=date(2025, 10, 1), url="https://a/1")
        change = _only(compare([base], [figure("1E+11", url="https://a/2")], prior=[prior]))
        assert (change.kind, change.baseline) == (ChangeKind.CONFIRMED, base)


def _mixed_observations() -> list[Fact]:
    return [
        figure("1.5E+11", deadline="2032", url="https://a/1", outlet="A"),
        figure("1.2E+11", url="https://b/1", outlet="B", published=date(2025, 12, 7)),
        commitment(Status.SIGNED, url="https://a/2", outlet="A"),
        commitment(Status.DENIED, url="https://c/1", outlet="C", published=date(2025, 12, 8)),
        commitment(Status.AGREED, subject="maritime corridor", url="https://c/2", outlet="C"),
        figure("14", subject="agreements signed", unit="count", url="https://d/1", outlet="D"),
        figure("21", subject="agreements signed", unit="count", url="https://e/1", outlet="E"),
    ]


def test_compare_is_deterministic() -> None:
    baseline = [figure("1E+11", deadline="2030", **BASE), commitment(Status.AIM, **BASE)]
    first = compare(baseline, _mixed_observations())
    again = compare(baseline, _mixed_observations())
    assert first == again
    assert len(first) >= 7
    # Order of the input does not matter either: observations are read in
    # publication order.
    assert compare(baseline, list(reversed(_mixed_observations()))) == first


def test_deadline_sort_key() -> None:
    assert deadline_sort_key("2030") == "2030-12"
    assert deadline_sort_key("2027-03") == "2027-03"
    assert sorted(["2027", "2027-03", "2026-12", "2028-01"], key=deadline_sort_key) == [
        "2026-12",
        "2027-03",
        "2027",
        "2028-01",
    ]
