"""Figures read from sentences: normalised values, units, subjects, qualifiers, kinds, times."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from facts.figures import FigureHit, find_figures
from facts.model import FigureKind
from facts.vocabulary import Vocabulary
from tests.facts.helpers import VOCAB, extract, figures, only


def _value_unit(text: str) -> tuple[Decimal | None, Decimal | None, str | None]:
    fact = only(figures(text))
    return fact.value, fact.value_max, fact.unit


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Bilateral trade should reach $100 billion.", "100000000000", "USD"),
        ("Bilateral trade was US$ 41.3 bn.", "41300000000", "USD"),
        ("Indian exports to Russia were USD 3.9bn.", "3900000000", "USD"),
        ("Defence production will get Rs 25,000 crore.", "250000000000", "INR"),
        ("Defence production will get Rs. 268 crore.", "2680000000", "INR"),
        ("Defence production will get ₹2 lakh crore.", "2000000000000", "INR"),
        ("Defence production is worth 3 lakh crore rupees.", "3000000000000", "INR"),
        ("Bilateral trade with the bloc was €5m.", "5000000", "EUR"),
        ("Bilateral trade hit 80 billion dollars.", "80000000000", "USD"),
        ("Bilateral trade hit 80 billion US dollars.", "80000000000", "USD"),
        ("Bilateral trade was £2 trillion.", "2000000000000", "GBP"),
        ("Russian crude makes up 12 per cent of imports.", "12", "percent"),
        ("Russian crude makes up 12 percent of imports.", "12", "percent"),
        ("Russian crude makes up 17.5% of imports.", "17.5", "percent"),
        ("Russian crude imports were 2.3 million barrels per day.", "2300000", "bpd"),
        ("Russian crude imports were 900,000 barrels a day.", "900000", "bpd"),
        ("Russian crude imports were 4.2 million tonnes.", "4200000", "tonnes"),
        ("Russian crude imports were 1,00,000 tonnes.", "100000", "tonnes"),
        ("Civil nuclear cooperation will add 3 GW.", "3000000000", "W"),
        ("Civil nuclear cooperation will add 500 MW.", "500000000", "W"),
        ("Civil nuclear cooperation will add 1.2 gigawatts.", "1200000000", "W"),
        ("The maritime corridor is 10,300 km long.", "10300", "km"),
        ("Bilateral trade has grown four-fold.", "4", "multiple"),
        ("Bilateral trade has grown 3-fold.", "3", "multiple"),
    ],
)
def test_values_are_normalised(text: str, value: str, unit: str) -> None:
    got_value, got_max, got_unit = _value_unit(text)
    assert (got_value, got_max, got_unit) == (Decimal(value), None, unit)


def test_normalised_values_have_one_spelling() -> None:
    # "$100 billion" exports as 100000000000, not 1E+11.
    assert str(only(figures("Bilateral trade should reach $100 billion.")).value) == (
        "100000000000"
    )
    assert str(only(figures("Bilateral trade was US$ 41.3 bn.")).value) == "41300000000"


@pytest.mark.parametrize(
    ("text", "value", "value_max", "unit"),
    [
        ("Russian crude is between 20 and 25 per cent of imports.", "20", "25", "percent"),
        ("Russian crude is 20-25% of imports.", "20", "25", "percent"),
        ("Bilateral trade is forecast at $52-54 billion.", "52000000000", "54000000000", "USD"),
        ("Bilateral trade is forecast at $52–54 billion.", "52000000000", "54000000000", "USD"),
        ("Russian crude imports were 2 to 3 million tonnes.", "2000000", "3000000", "tonnes"),
    ],
)
def test_ranges(text: str, value: str, value_max: str, unit: str) -> None:
    assert _value_unit(text) == (Decimal(value), Decimal(value_max), unit)


def test_a_range_of_one_value_is_no_range() -> None:
    assert _value_unit("Russian crude is 20-20% of imports.") == (Decimal(20), None, "percent")


@pytest.mark.parametrize(
    ("text", "subject", "value", "unit"),
    [
        ("The two sides signed 14 agreements.", "agreements signed", "14", "count"),
        ("The two sides signed 14 MoUs.", "agreements signed", "14", "count"),
        ("The two sides signed twelve new pacts.", "agreements signed", "12", "count"),
        ("Russia will build two reactors.", "reactor units", "2", "count"),
        ("Russia will build Thirty-one nuclear units.", "reactor units", "31", "count"),
        ("The plan lists 45 projects.", "projects", "45", "count"),
        ("Labour mobility will cover 45,000 workers.", "workers", "45000", "people"),
        # Office holders are counted like delegations; "people" is a workforce or population.
        ("Some 2,000 officials attended.", "officials", "2000", "count"),
        ("Some 9,800 Indians received permits.", "indians", "9800", "people"),
        (
            "Russia will certify 25 more Indian seafood processing units.",
            "indian seafood processing units",
            "25",
            "count",
        ),
        ("The shortage is put at nearly 3 million workers.", "workers", "3000000", "people"),
        ("Thirty-one Indian firms took part.", "indian firms", "31", "count"),
        ("It plans a pair of recruitment centres in Pune.", "recruitment centres", "2", "count"),
    ],
)
def test_counts_name_their_own_subject(text: str, subject: str, value: str, unit: str) -> None:
    fact = only(figures(text))
    assert (fact.subject, fact.value, fact.unit) == (subject, Decimal(value), unit)


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("Bilateral trade was about $60 billion.", "about"),
        ("Bilateral trade was nearly $60 billion.", "nearly"),
        ("Bilateral trade was at least $60 billion.", "at least"),
        ("Bilateral trade was more than $60 billion.", "more than"),
        ("Bilateral trade was up to $60 billion.", "up to"),
        ("Bilateral trade was just   over $60 billion.", "just over"),
        ("Some 2,000 officials attended.", "some"),
        ("Bilateral trade was $60 billion.", None),
        # "over" inside "cover" is not a qualifier.
        ("Labour mobility will cover 45,000 workers.", None),
    ],
)
def test_qualifiers_are_kept(text: str, qualifier: str | None) -> None:
    assert only(figures(text)).qualifier == qualifier


def test_a_change_and_a_level_in_one_sentence_are_two_figures() -> None:
    found = figures("Bilateral trade rose 18 per cent to $5.2 billion.")
    assert [(f.subject, f.value, f.unit) for f in found] == [
        ("change in bilateral trade", Decimal(18), "percent"),
        ("bilateral trade", Decimal(5200000000), "USD"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Bilateral trade rose 18 per cent.",
        "Bilateral trade grew by 18 per cent.",
        "Bilateral trade fell 18%.",
        "Bilateral trade rose nearly 18 per cent.",
        "Bilateral trade will rise by about 18 per cent.",
    ],
)
def test_a_per_cent_after_a_change_verb_measures_the_change(text: str) -> None:
    assert only(figures(text)).subject == "change in bilateral trade"


def test_a_per_cent_without_a_change_verb_is_a_level() -> None:
    assert only(figures("Bilateral trade is about 18 per cent of the total.")).subject == (
        "bilateral trade"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The two sides aim to raise bilateral trade to $100 billion.", FigureKind.TARGET),
        ("Bilateral trade has a target of $100 billion.", FigureKind.TARGET),
        ("Bilateral trade was $65 billion.", FigureKind.ACTUAL),
        ("Bilateral trade is projected at $70 billion.", FigureKind.FORECAST),
        ("Bilateral trade is likely to be $70 billion.", FigureKind.FORECAST),
        # A deadline makes an otherwise plain figure a target.
        ("India will get two more reactor units by 2032.", FigureKind.TARGET),
    ],
)
def test_target_actual_forecast(text: str, kind: FigureKind) -> None:
    assert only(figures(text)).figure_kind is kind


class TestNearestSubject:
    def test_each_figure_takes_the_subject_next_to_it(self) -> None:
        found = figures(
            "Bilateral trade was $50 billion, while Indian exports to Russia were $5 billion."
        )
        assert [(f.subject, f.value) for f in found] == [
            ("bilateral trade", Decimal(50000000000)),
            ("Indian exports to Russia", Decimal(5000000000)),
        ]

    def test_a_subject_before_the_number_beats_a_slightly_closer_one_after(self) -> None:
        # "Indian exports" starts 4 characters after the number, "bilateral trade"
        # ends 5 before it: a subject after the number is weaker evidence.
        found = figures("Bilateral trade hit $50 billion as Indian exports rose.")
        assert only(found).subject == "bilateral trade"

    def test_a_subject_after_the_number_when_none_comes_before(self) -> None:
        assert only(figures("India sold $5 billion of goods in bilateral trade.")).subject == (
            "bilateral trade"
        )

    def test_the_longest_alias_wins_and_is_canonicalised(self) -> None:
        fact = only(figures("India's exports to Russia were $4.9 billion."))
        assert fact.subject == "Indian exports to Russia"

    def test_no_subject_is_unknown(self) -> None:
        assert only(figures("The fund was $3 billion.")).subject == "unknown"


class TestWhatIsNotAFigure:
    @pytest.mark.parametrize(
        "text",
        [
            "The plan lists 2030 projects.",
            "In 2024 delegations met twice.",
            "The visit in 2025 changed things.",
        ],
    )
    def test_years_are_not_counts(self, text: str) -> None:
        assert figures(text) == []

    def test_a_year_sized_number_with_a_separator_is_a_count(self) -> None:
        fact = only(figures("The plan lists 2,030 projects."))
        assert (fact.subject, fact.value) == ("projects", Decimal(2030))

    @pytest.mark.parametrize(
        "text",
        [
            "The two governments met in Delhi.",
            "Both leaders spoke at length.",
            "Their three ministries disagreed.",
        ],
    )
    def test_parties_named_by_a_number_are_not_counted(self, text: str) -> None:
        assert figures(text) == []

    def test_a_bare_number_of_parties_is_a_count(self) -> None:
        fact = only(figures("Two governments objected."))
        assert (fact.subject, fact.value) == ("governments", Decimal(2))

    def test_the_two_governments_is_not_a_count_beside_a_real_one(self) -> None:
        found = figures("The two governments signed 14 agreements.")
        assert [(f.subject, f.value) for f in found] == [("agreements signed", Decimal(14))]

    @pytest.mark.parametrize(
        "text", ["The Mariners 268 all out.", "Mariners 268 for seven.", "Players 45 overs."]
    )
    def test_a_name_ending_in_rs_is_not_rupees(self, text: str) -> None:
        assert [f for f in figures(text) if f.unit == "INR"] == []

    @pytest.mark.parametrize(
        "text",
        [
            "He scored 45 runs.",
            "The talks lasted 3 hours.",
            "It happened 12 times.",
            "He met 12 December visitors.",
        ],
    )
    def test_uncounted_nouns(self, text: str) -> None:
        assert figures(text) == []


class TestTimes:
    def test_deadline_by_year(self) -> None:
        fact = only(figures("The two sides aim to raise bilateral trade to $100 billion by 2030."))
        assert (fact.value, fact.deadline, fact.period) == (Decimal(10**11), "2030", None)

    def test_deadline_end_of_month(self) -> None:
        fact = only(figures("Russian crude imports should reach 2 million bpd by end-March 2027."))
        assert fact.deadline == "2027-03"

    def test_deadline_until(self) -> None:
        assert only(figures("Russia will supply 2 million tonnes until 2030.")).deadline == "2030"

    def test_deadline_by_fiscal_year(self) -> None:
        fact = only(figures("India aims to raise bilateral trade to $100 billion by FY27."))
        assert fact.deadline == "2027-03"

    def test_deadline_within_years_resolved_against_the_published_date(self) -> None:
        text = "The two sides aim to raise bilateral trade to $80 billion within three years."
        money = [f for f in figures(text) if f.unit == "USD"]
        assert only(money).deadline == "2028"
        money = [f for f in figures(text, published=date(2030, 6, 1)) if f.unit == "USD"]
        assert only(money).deadline == "2033"

    def test_deadline_by_next_year(self) -> None:
        text = "Bilateral trade should reach $80 billion by next year."
        assert only(figures(text)).deadline == "2026"
        assert only(figures(text, published=None)).deadline is None

    def test_each_figure_takes_the_deadline_after_it(self) -> None:
        found = figures(
            "Bilateral trade should reach $50 billion by 2026 and $100 billion by 2030."
        )
        assert [(f.value, f.deadline) for f in found] == [
            (Decimal(5 * 10**10), "2026"),
            (Decimal(10**11), "2030"),
        ]

    @pytest.mark.parametrize(
        ("text", "period"),
        [
            ("Bilateral trade reached US$ 41.3 bn in FY25.", "FY2025"),
            ("Bilateral trade was $65 billion in 2024.", "2024"),
            ("Indian exports to Russia were USD 3.9bn last year.", "2024"),
        ],
    )
    def test_periods(self, text: str, period: str) -> None:
        fact = only(figures(text))
        assert (fact.period, fact.deadline, fact.figure_kind) == (
            period,
            None,
            FigureKind.ACTUAL,
        )


def test_find_figures_spans_cover_the_number() -> None:
    sentence = "Bilateral trade was about US$ 41.3 bn in FY25."
    hit = only_hit(find_figures(sentence, VOCAB))
    assert sentence[hit.start : hit.end] == "US$ 41.3 bn"


def test_find_figures_without_a_vocabulary() -> None:
    hit = only_hit(find_figures("Bilateral trade was $5 billion.", Vocabulary.empty()))
    assert (hit.subject, hit.value, hit.unit) == ("unknown", Decimal(5 * 10**9), "USD")


def only_hit(hits: list[FigureHit]) -> FigureHit:
    assert len(hits) == 1, hits
    return hits[0]


class TestWordsForNumbers:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("Russian crude made up nearly a third of India's crude imports.", "33.33"),
            ("Russian crude made up more than a third of India's crude imports.", "33.33"),
            ("Pharmaceuticals made up a fifth of Indian exports to Russia.", "20"),
            ("Payments to nearly half of their members are late.", "50"),
            ("Russian crude made up two-thirds of India's crude imports.", "66.67"),
            ("Russian crude made up a quarter of India's crude imports.", "25"),
        ],
    )
    def test_fractions_are_shares_in_per_cent(self, text: str, value: str) -> None:
        fact = only(figures(text))
        assert (fact.value, fact.unit) == (Decimal(value), "percent")

    @pytest.mark.parametrize(
        "text",
        [
            "Bilateral trade in the first half of FY26 stood firm.",
            "Bilateral trade rose in the second half of the year.",
            "Half the delegation left early.",
        ],
    )
    def test_a_half_that_is_a_time_is_no_figure(self, text: str) -> None:
        assert figures(text) == []

    def test_a_fraction_of_a_fall(self) -> None:
        fact = only(figures("Russian oil imports dropped by a quarter in the first half of 2025."))
        assert (fact.value, fact.subject, fact.period) == (
            Decimal(-25),
            "change in Russian crude imports",
            "2025",
        )

    def test_a_half_of_a_time_is_no_share(self) -> None:
        assert figures("Half of the year was lost to sanctions.") == []

    def test_a_fraction_after_a_change_verb_and_by_is_a_change(self) -> None:
        fact = only(figures("The link will cut transaction costs by as much as a fifth."))
        assert (fact.value, fact.unit, fact.subject) == (
            Decimal(-20),
            "percent",
            "change in unknown",
        )

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("Bilateral trade has grown four-fold.", "4"),
            ("Moscow aims to double its fertiliser shipments.", "2"),
            ("Moscow wants to triple bilateral trade.", "3"),
            ("Permits were nearly three times the number a year earlier.", "3"),
            ("Bilateral trade is 2.5 times as large.", "2.5"),
        ],
    )
    def test_multiples(self, text: str, value: str) -> None:
        fact = only(figures(text))
        assert (fact.value, fact.unit) == (Decimal(value), "multiple")

    @pytest.mark.parametrize(
        "text",
        [
            "Officials met three times in Delhi.",
            "It was a double blow for bilateral trade.",
            "Inflation stayed in double digits.",
            "The double-digit growth faded.",
        ],
    )
    def test_what_is_not_a_multiple(self, text: str) -> None:
        assert [f for f in figures(text) if f.unit == "multiple"] == []


class TestSignedChanges:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("Imports of Russian crude fell 31.5% in November.", "-31.5"),
            ("Russian crude imports declined by about 8 per cent.", "-8"),
            ("Bilateral trade was down 4 per cent year-on-year.", "-4"),
            ("Bilateral trade was up 12 per cent year-on-year.", "12"),
            ("Bilateral trade rose 18 per cent.", "18"),
        ],
    )
    def test_falls_are_negative_changes(self, text: str, value: str) -> None:
        fact = only(figures(text))
        assert (fact.value, fact.subject.startswith("change in ")) == (Decimal(value), True)

    def test_a_falling_range_stays_ordered(self) -> None:
        fact = only(figures("Russian crude imports fell 10-15 per cent."))
        assert (fact.value, fact.value_max) == (Decimal(-15), Decimal(-10))

    def test_down_from_is_a_level_not_a_change(self) -> None:
        fact = only(figures("Russian crude is 25 per cent, down from roughly 35 per cent."[30:]))
        assert (fact.value, fact.subject) == (Decimal(35), "unknown")

    def test_the_level_after_a_fall_stays_positive(self) -> None:
        found = figures("Russian crude imports fell 31.5% to about 1.23 million barrels per day.")
        assert [(f.value, f.unit) for f in found] == [
            (Decimal("-31.5"), "percent"),
            (Decimal(1230000), "bpd"),
        ]


def test_a_range_that_repeats_its_currency() -> None:
    fact = only(figures("Monthly wages range from Rs 70,000 to Rs 1.2 lakh."))
    assert (fact.value, fact.value_max, fact.unit) == (Decimal(70000), Decimal(120000), "INR")


class TestCountsInContext:
    @pytest.mark.parametrize(
        "text",
        [
            "Two refinery executives said Russia had offered a deal.",
            "The deal was postponed, two officials said, citing costs.",
            "Moscow has offered more oil, two officials with knowledge of the talks said.",
            "Talks ended, two people familiar with the discussions said.",
        ],
    )
    def test_people_who_only_speak_are_not_counted(self, text: str) -> None:
        assert figures(text) == []

    def test_ordinal_parties_are_not_counted(self) -> None:
        assert figures("The first two units at the new site would add 3 GW.")[0].unit == "W"
        assert len(figures("The first two units at the new site would add 3 GW.")) == 1

    def test_the_first_thousands_are_counted(self) -> None:
        fact = only(figures("The pact will bring the first 3,000 Indian workers to Russia."))
        assert (fact.value, fact.unit) == (Decimal(3000), "people")


class TestDurations:
    def test_a_duration_takes_the_subject_it_is_attached_to(self) -> None:
        found = figures("They were negotiating a long-term supply agreement of three years.")
        assert [(f.value, f.unit, f.subject) for f in found] == [
            (Decimal(3), "years", "long-term crude supply")
        ]

    def test_a_duration_before_its_subject(self) -> None:
        fact = only(figures("They signed a three-year long-term supply agreement."))
        assert (fact.value, fact.subject) == (Decimal(3), "long-term crude supply")

    def test_a_duration_beside_a_subject_stays_unknown(self) -> None:
        text = (
            "Bilateral trade should reach $100 billion only by 2032, two years later than planned."
        )
        years = [f for f in figures(text) if f.unit == "years"]
        assert only(years).subject == "unknown"


class TestBadInput:
    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   \n\n  ",
            "Россия и Индия подписали 14 соглашений в пятницу.",
            "भारत और रूस ने 14 समझौतों पर हस्ताक्षर किए।",
            # A table flattened onto one line: no row of its own, no figure.
            "Item 2024 2025 Bilateral trade (US$ bn) 66.1 63.4 Indian exports (US$ bn) 4.6 5.2",
            "||||| | |",
        ],
    )
    def test_no_crash_and_no_invented_facts(self, text: str) -> None:
        assert extract(text) == []

    def test_a_number_in_a_headline_is_read(self) -> None:
        text = "India, Russia sign 14 agreements, set $100 billion trade goal\nMore text."
        assert [(f.value, f.unit) for f in figures(text)] == [
            (Decimal(14), "count"),
            (Decimal(10**11), "USD"),
        ]
