from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal

import pytest

from alerts.rules import SeverityRules, alert_id, build_alerts, severity_for
from facts.model import Change, ChangeKind, FigureKind, Severity, Status
from tests.factories import (
    baseline_figure,
    commitment,
    contradiction,
    deadline_change,
    figure,
    figure_change,
    status_change,
)

RULES = SeverityRules()
TOPIC = "india-russia-summit"


# --- severity ------------------------------------------------------------------------


def test_target_up_50_pct_is_high() -> None:
    change = figure_change("100000000000", "150000000000", deadline="2030")
    assert severity_for(change, RULES) is Severity.HIGH


def test_target_up_5_pct_is_medium() -> None:
    assert severity_for(figure_change("100", "105"), RULES) is Severity.MEDIUM


def test_target_down_50_pct_is_high() -> None:
    assert severity_for(figure_change("100", "50"), RULES) is Severity.HIGH


def test_target_threshold_is_strictly_more_than() -> None:
    assert severity_for(figure_change("100", "110"), RULES) is Severity.MEDIUM
    assert severity_for(figure_change("100", "110.5"), RULES) is Severity.HIGH


def test_target_threshold_from_config() -> None:
    rules = SeverityRules.from_mapping({"target_change_high_pct": 60})
    assert severity_for(figure_change("100", "150"), rules) is Severity.MEDIUM


def test_target_relative_missing_is_computed_from_old_new() -> None:
    assert severity_for(figure_change("100", "150", relative=None), RULES) is Severity.HIGH
    assert severity_for(figure_change("100", "101", relative=None), RULES) is Severity.MEDIUM


def test_target_from_zero_is_high() -> None:
    assert severity_for(figure_change("0", "5", relative=None), RULES) is Severity.HIGH


def test_target_range_top_moving_counts() -> None:
    change = figure_change("52", "52", value_max="70")
    change = Change(
        change.kind,
        change.observed,
        baseline_figure("52", value_max="54"),
        details={"value": {"old": "52", "new": "52", "relative": "0"}},
    )
    assert severity_for(change, RULES) is Severity.HIGH


@pytest.mark.parametrize("kind", [FigureKind.ACTUAL, FigureKind.FORECAST])
def test_actual_and_forecast_changes_are_medium(kind: FigureKind) -> None:
    change = figure_change("100", "300", figure_kind=kind)
    assert severity_for(change, RULES) is Severity.MEDIUM


def test_deadline_later_high_earlier_medium() -> None:
    assert severity_for(deadline_change("2030", "2032", "later"), RULES) is Severity.HIGH
    assert severity_for(deadline_change("2030", "2028", "earlier"), RULES) is Severity.MEDIUM


def test_deadline_direction_falls_back_to_iso_order() -> None:
    assert severity_for(deadline_change("2027-03", "2027-09", None), RULES) is Severity.HIGH
    assert severity_for(deadline_change("2027-09", "2027-03", None), RULES) is Severity.MEDIUM
    # "by 2030" is the end of 2030: June 2030 is earlier, not later.
    assert severity_for(deadline_change("2030", "2030-06", None), RULES) is Severity.MEDIUM


def test_status_down_high_up_medium() -> None:
    down = status_change(Status.SIGNED, Status.POSTPONED, "down")
    up = status_change(Status.EXPECTED, Status.SIGNED, "up")
    assert severity_for(down, RULES) is Severity.HIGH
    assert severity_for(up, RULES) is Severity.MEDIUM


def test_status_direction_falls_back_to_ladder() -> None:
    assert severity_for(status_change(Status.AGREED, Status.CANCELLED, None), RULES) is (
        Severity.HIGH
    )
    assert severity_for(status_change(Status.AIM, Status.SIGNED, None), RULES) is Severity.MEDIUM


def test_other_kinds_follow_rules() -> None:
    fact = commitment(Status.AGREED, subject="maritime corridor")
    assert severity_for(Change(ChangeKind.NEW_COMMITMENT, fact), RULES) is Severity.MEDIUM
    assert severity_for(Change(ChangeKind.NEW_FIGURE, figure("5")), RULES) is Severity.LOW
    pair = contradiction(figure("12", unit="count"), figure("21", unit="count", url="https://b"))
    assert severity_for(pair, RULES) is Severity.MEDIUM


def test_confirmed_is_not_alerted() -> None:
    seen = figure("100000000000")
    confirmed = Change(ChangeKind.CONFIRMED, seen, baseline_figure("100000000000"))
    assert severity_for(confirmed, RULES) is None
    assert build_alerts(TOPIC, [confirmed], RULES) == []


def test_overrides_change_severity() -> None:
    rules = SeverityRules.from_mapping({"status_down": "low", "new_figure": "HIGH"})
    down = status_change(Status.SIGNED, Status.DENIED, "down")
    assert severity_for(down, rules) is Severity.LOW
    assert severity_for(Change(ChangeKind.NEW_FIGURE, figure("5")), rules) is Severity.HIGH


# --- config ------------------------------------------------------------------------


def test_from_mapping_defaults_equal_constructor() -> None:
    assert SeverityRules.from_mapping({}) == SeverityRules()


def test_from_mapping_rejects_unknown_key_naming_it() -> None:
    with pytest.raises(ValueError, match="deadline_slipped"):
        SeverityRules.from_mapping({"deadline_slipped": "high", "status_down": "high"})


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"status_down": "critical"}, "status_down"),
        ({"contradiction": 3}, "contradiction"),
        ({"target_change_high_pct": "ten"}, "target_change_high_pct"),
        ({"target_change_high_pct": -1}, "target_change_high_pct"),
        ({"target_change_high_pct": True}, "target_change_high_pct"),
        ({"target_change_high_pct": float("nan")}, "target_change_high_pct"),
    ],
)
def test_from_mapping_rejects_bad_values_naming_the_key(
    data: dict[str, object], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        SeverityRules.from_mapping(data)


def test_from_mapping_reads_toml_float_exactly() -> None:
    rules = SeverityRules.from_mapping({"target_change_high_pct": 12.5})
    assert rules.target_change_high_pct == Decimal("12.5")
    assert isinstance(rules.target_change_high_pct, Decimal)


# --- ids and grouping --------------------------------------------------------------


def _trade_change(url: str, published: date | None, value: str = "150000000000") -> Change:
    return figure_change(
        "100000000000", value, deadline="2030", url=url, outlet=url[8:], published=published
    )


def test_alert_id_shape_and_stability() -> None:
    aid = alert_id(TOPIC, _trade_change("https://a", date(2025, 12, 6)))
    assert re.fullmatch(r"a_[0-9a-f]{16}", aid)
    assert aid == alert_id(TOPIC, _trade_change("https://a", date(2025, 12, 6)))


def test_alert_id_ignores_where_it_was_read() -> None:
    a = alert_id(TOPIC, _trade_change("https://a", date(2025, 12, 6)))
    b = alert_id(TOPIC, _trade_change("https://b", date(2025, 12, 9)))
    assert a == b


def test_alert_id_depends_on_value_topic_and_kind() -> None:
    base = _trade_change("https://a", date(2025, 12, 6))
    assert alert_id(TOPIC, base) != alert_id(TOPIC, _trade_change("https://a", None, "2E+11"))
    assert alert_id(TOPIC, base) != alert_id("other-topic", base)
    as_new = Change(ChangeKind.NEW_FIGURE, base.observed)
    assert alert_id(TOPIC, base) != alert_id(TOPIC, as_new)


def test_alert_id_same_for_equal_decimals_written_differently() -> None:
    a = _trade_change("https://a", None, "150000000000")
    b = _trade_change("https://a", None, "1.5E+11")
    assert alert_id(TOPIC, a) == alert_id(TOPIC, b)


def test_same_change_from_three_articles_is_one_alert() -> None:
    changes = [
        _trade_change("https://c.example/3", date(2025, 12, 9)),
        _trade_change("https://b.example/2", date(2025, 12, 6)),
        _trade_change("https://a.example/1", date(2025, 12, 8)),
    ]
    [alert] = build_alerts(TOPIC, changes, RULES)
    assert alert.source.url == "https://b.example/2"
    assert [s.url for s in alert.corroborating] == ["https://a.example/1", "https://c.example/3"]
    assert len(alert.sources) == 3


def test_sources_tie_on_date_by_url_undated_last_deduplicated() -> None:
    changes = [
        _trade_change("https://z", None),
        _trade_change("https://y", date(2025, 12, 7)),
        _trade_change("https://x", date(2025, 12, 7)),
        _trade_change("https://x", date(2025, 12, 7)),  # the same article read twice
    ]
    [alert] = build_alerts(TOPIC, changes, RULES)
    assert [s.url for s in alert.sources] == ["https://x", "https://y", "https://z"]


def test_contradiction_ids_symmetric_and_both_sides_are_sources() -> None:
    a = figure(
        "12", subject="agreements", unit="count", figure_kind=FigureKind.ACTUAL, url="https://a",
        published=date(2025, 12, 6), quote="Twelve agreements were signed.",
    )  # fmt: skip
    b = figure(
        "21", subject="agreements", unit="count", figure_kind=FigureKind.ACTUAL, url="https://b",
        published=date(2025, 12, 7), quote="As many as 21 agreements were signed.",
    )  # fmt: skip
    ab, ba = contradiction(a, b), contradiction(b, a)
    assert alert_id(TOPIC, ab) == alert_id(TOPIC, ba)
    [alert] = build_alerts(TOPIC, [ba, ab], RULES)
    assert [s.url for s in alert.sources] == ["https://a", "https://b"]
    assert alert.summary == "agreements (count): sources disagree: 12 vs 21"
    assert alert.observed_quote == "Twelve agreements were signed."
    assert alert.baseline_value == "21"
    assert alert.baseline_quote == "As many as 21 agreements were signed."
    # A different pair on the same subject is a different alert.
    c = figure("30", subject="agreements", unit="count", figure_kind=FigureKind.ACTUAL)
    assert alert_id(TOPIC, contradiction(a, c)) != alert_id(TOPIC, ab)


# --- summaries and fields ----------------------------------------------------------


def test_figure_summary_and_values() -> None:
    [alert] = build_alerts(TOPIC, [_trade_change("https://a", date(2025, 12, 6))], RULES)
    assert alert.summary == "bilateral trade (target): $100 billion by 2030 → $150 billion by 2030"
    assert alert.baseline_value == "$100 billion by 2030"
    assert alert.observed_value == "$150 billion by 2030"
    assert alert.key == "figure|bilateral trade|money|target"
    assert alert.kind is ChangeKind.FIGURE_CHANGED
    assert alert.topic == TOPIC


def test_status_summary() -> None:
    change = status_change(Status.EXPECTED, Status.SIGNED, "up", quote="The pact was signed.")
    [alert] = build_alerts(TOPIC, [change], RULES)
    assert alert.summary == "labour mobility: expected → signed"
    assert alert.observed_quote == "The pact was signed."
    assert alert.baseline_quote == "A sentence from the article."


def test_new_commitment_summary() -> None:
    fact = commitment(Status.AGREED, subject="maritime corridor", deadline="2027")
    [alert] = build_alerts(TOPIC, [Change(ChangeKind.NEW_COMMITMENT, fact)], RULES)
    assert alert.summary == "New commitment on maritime corridor: agreed by 2027"
    assert alert.baseline_value is None
    assert alert.baseline_quote is None


def test_summary_is_one_line() -> None:
    fact = commitment(Status.AGREED, subject="maritime\ncorridor")
    [alert] = build_alerts(TOPIC, [Change(ChangeKind.NEW_COMMITMENT, fact)], RULES)
    assert "\n" not in alert.summary


# --- order -------------------------------------------------------------------------


def _mixed_changes() -> list[Change]:
    return [
        Change(ChangeKind.NEW_FIGURE, figure("5", subject="aaa first by name")),
        status_change(Status.EXPECTED, Status.SIGNED, "up"),
        _trade_change("https://a", date(2025, 12, 6)),
        status_change(Status.SIGNED, Status.CANCELLED, "down"),
        Change(ChangeKind.NEW_COMMITMENT, commitment(Status.AIM, subject="zinc")),
        deadline_change("2030", "2032", "later"),
        _trade_change("https://b", date(2025, 12, 7)),
    ]


def test_order_is_severity_then_subject_then_id() -> None:
    alerts = build_alerts(TOPIC, _mixed_changes(), RULES)
    severities = [a.severity for a in alerts]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    assert alerts[-1].subject == "aaa first by name"  # low sorts last despite its name
    highs = [a for a in alerts if a.severity is Severity.HIGH]
    assert [a.subject for a in highs] == sorted(a.subject for a in highs)
    same = [a for a in alerts if a.subject == "labour mobility" and a.severity is Severity.HIGH]
    assert [a.id for a in same] == sorted(a.id for a in same)
    assert len(same) == 2  # cancelled, and the deadline moved later


def test_build_alerts_is_deterministic_across_calls_and_input_order() -> None:
    first = build_alerts(TOPIC, _mixed_changes(), RULES)
    shuffled = _mixed_changes()
    random.Random(7).shuffle(shuffled)
    second = build_alerts(TOPIC, shuffled, RULES)
    assert first == second
    assert [a.id for a in first] == [a.id for a in build_alerts(TOPIC, _mixed_changes(), RULES)]


def test_build_alerts_groups_changes_as_alert_id_does() -> None:
    """Many changes that share facts (as a run's contradictions do), values written two
    ways: one alert per alert_id, each with the sources of exactly its changes."""
    rng = random.Random(11)
    written = {"12": ["12", "1.2E+1"], "21": ["21", "2.1E+1"], "30": ["30", "3E+1"]}
    reports = [
        figure(
            rng.choice(written[rng.choice(sorted(written))]),
            subject=rng.choice(["agreements", "pacts"]),
            unit="count",
            figure_kind=FigureKind.ACTUAL,
            url=f"https://n{i % 7}.example/{i}",
            outlet=f"outlet {i % 7}",
            published=rng.choice([None, date(2025, 12, 6), date(2025, 12, 7)]),
        )
        for i in range(40)
    ]
    changes = [Change(ChangeKind.NEW_FIGURE, f) for f in reports[:10]]
    for _ in range(300):
        this, other = rng.sample(reports, 2)
        if this.compared_fields()["value"] != other.compared_fields()["value"]:
            changes.append(contradiction(this, other))
    alerts = build_alerts(TOPIC, changes, RULES)
    expected: dict[str, set[str]] = {}
    for change in changes:
        urls = expected.setdefault(alert_id(TOPIC, change), set())
        urls.add(change.observed.evidence.url)
        if change.other is not None:
            urls.add(change.other.evidence.url)
    assert {a.id: {s.url for s in a.sources} for a in alerts} == expected
    assert len(alerts) < len(changes)


def test_a_target_that_changes_currency_is_high_whatever_the_number() -> None:
    from tests.factories import baseline_figure, figure

    base = baseline_figure("100000000000", unit="USD")
    seen = figure("100000000000", unit="INR")
    change = Change(
        ChangeKind.FIGURE_CHANGED,
        seen,
        base,
        details={"value": {"old": "100000000000", "new": "100000000000", "relative": None}},
    )
    assert severity_for(change, SeverityRules()) is Severity.HIGH
