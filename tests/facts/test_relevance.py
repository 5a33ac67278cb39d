"""An entry is on topic when it names every keyword group."""

from __future__ import annotations

import pytest

from facts.relevance import is_relevant

GROUPS = [
    ["india", "indian", "new delhi", "delhi", "modi"],
    ["russia", "russian", "moscow", "kremlin", "putin"],
]


@pytest.mark.parametrize(
    "text",
    [
        "Modi meets Putin in New Delhi",
        "INDIA and RUSSIA sign pacts",
        "Kremlin says Delhi talks went well",
        "Russian oil flows to Indian refiners",
        "Moscow–New Delhi ties",
        "(India) [Russia]",
    ],
)
def test_relevant_when_every_group_is_named(text: str) -> None:
    assert is_relevant(text, GROUPS)


@pytest.mark.parametrize(
    "text",
    [
        "Modi visits Washington",  # one group only
        "Putin speaks in Moscow",
        "Indiana Russians",  # whole words only: no "india" in "Indiana", "russian" != "russians"
        "Moscowville and Delhi",  # "moscowville" is not "moscow"
        "Rasputin's India tour",  # nor is "rasputin" "putin"
        "",
    ],
)
def test_not_relevant_when_a_group_is_missing(text: str) -> None:
    assert not is_relevant(text, GROUPS)


def test_multi_word_keywords_match_as_a_phrase() -> None:
    assert is_relevant("new delhi", [["new delhi"]])
    assert not is_relevant("new york and delhi", [["new delhi"]])


def test_regex_characters_in_keywords_are_literal() -> None:
    assert is_relevant("Trade in US$ rose", [["us$"]])
    assert not is_relevant("Trade in USD rose", [["us$"]])


def test_no_groups_or_empty_groups_constrain_nothing() -> None:
    assert is_relevant("anything", [])
    assert is_relevant("anything", [[]])
    assert not is_relevant("anything", [[], ["india"]])
