"""Sentence splitting: where news prose ends a sentence, and exact spans."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import facts.text as text_module
from facts.text import split_sentences


def _texts(text: str) -> list[str]:
    sentences = split_sentences(text)
    for s in sentences:
        assert text[s.start : s.end] == s.text
    return [s.text for s in sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. imposed sanctions. India did not.",
            ["The U.S. imposed sanctions.", "India did not."],
        ),
        (
            "The summit opens Dec. 5 in Delhi. Mr. Putin will attend.",
            ["The summit opens Dec. 5 in Delhi.", "Mr. Putin will attend."],
        ),
        (
            "Trade hit $41.3 bn last year. It may grow.",
            ["Trade hit $41.3 bn last year.", "It may grow."],
        ),
        ("J. Smith spoke. The end", ["J. Smith spoke.", "The end"]),
        (
            "Trade was 5.5 per cent. 12 deals were signed.",
            ["Trade was 5.5 per cent.", "12 deals were signed."],
        ),
        ("It was done! Was it? Yes.", ["It was done!", "Was it?", "Yes."]),
        ("Costs fell to Rs. 500 crore. Then rose.", ["Costs fell to Rs. 500 crore.", "Then rose."]),
    ],
)
def test_abbreviations_decimals_and_initials_do_not_end_sentences(
    text: str, expected: list[str]
) -> None:
    assert _texts(text) == expected


def test_a_heading_on_its_own_line_is_a_sentence() -> None:
    text = "Summit ends with deals\nIndia and Russia agreed. More later."
    assert _texts(text) == ["Summit ends with deals", "India and Russia agreed.", "More later."]


def test_blank_lines_and_indentation_are_not_sentences() -> None:
    text = "  Heading  \n\n\n   First. Second.\n"
    assert _texts(text) == ["Heading", "First.", "Second."]


def test_quotes_stay_with_their_sentence() -> None:
    text = '"We agreed," he said. "It is done." Then they left. (It was late.) Fine.'
    assert _texts(text) == [
        '"We agreed," he said.',
        '"It is done."',
        "Then they left.",
        "(It was late.)",
        "Fine.",
    ]


def test_curly_quotes_close_a_sentence() -> None:
    text = "He said “it is signed.” The deal stands."
    assert _texts(text) == ["He said “it is signed.”", "The deal stands."]


def test_lowercase_after_a_period_does_not_split() -> None:
    assert _texts("Trade rose approx. ten per cent. Then fell.") == [
        "Trade rose approx. ten per cent.",
        "Then fell.",
    ]


def test_spans_index_the_original_text() -> None:
    text = "  Leading space.   Trailing space.  \n\tTabbed line. Last"
    sentences = split_sentences(text)
    assert [(s.start, s.end) for s in sentences] == [(2, 16), (19, 34), (38, 50), (51, 55)]
    for s in sentences:
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def _is_abbreviation_by_definition(text: str, dot_at: int) -> bool:
    """The word before the period read from the start of the text, as the splitter
    first did: the look-back window must never change the answer."""
    match = re.search(r"([\w.]+)$", text[:dot_at])
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    return word in text_module._ABBREVIATIONS or (len(word) == 1 and word.isalpha())


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["Mr", "u.s", "J", "x", "Dec", "approx", "é", " ", ".", "7"]),
            st.text(alphabet="aB. .", max_size=90),
        ),
        max_size=12,
    )
)
@settings(max_examples=400, deadline=None)
def test_the_word_before_a_period_is_read_whole_however_long(pieces: list[str]) -> None:
    text = "".join(pieces) + "."
    for dot_at in [i for i, c in enumerate(text) if c == "."]:
        expected = _is_abbreviation_by_definition(text, dot_at)
        assert text_module._is_abbreviation(text, dot_at) == expected, (text, dot_at)


@pytest.mark.parametrize("run", [38, 39, 40, 41, 80])
def test_an_initial_behind_a_long_run_of_periods_is_still_an_initial(run: int) -> None:
    # "J" then many periods: the word is "J" (periods stripped), wherever the window falls.
    text = "Word J" + "." * run + " Next"
    assert text_module._is_abbreviation(text, len(text) - len(" Next") - 1)
