"""Properties over arbitrary text: the extractor never raises, and evidence is exact."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from facts.compare import compare
from facts.extract import extract_facts
from facts.text import split_sentences
from tests.facts.helpers import VOCAB

# database=None: no example database written to disk; the deadline keeps a slow
# regex from hiding behind a passing assertion.
FAST = settings(max_examples=200, deadline=timedelta(milliseconds=500), database=None)

FRAGMENTS = [
    "Bilateral trade", "India", "Russia", "Moscow", "the Kremlin", "the two sides",
    "aim to raise", "agreed", "signed", "denied that", "is expected to sign", "postponed",
    "talks ended without an agreement", "labour mobility", "Russian crude", "rose",
    "$100 billion", "US$ 41.3 bn", "Rs 25,000 crore", "3 lakh crore rupees", "€5m",
    "12 per cent", "between 20 and 25 per cent", "$52-54 billion", "2.3 million bpd",
    "3 GW", "14 agreements", "45,000 workers", "four-fold", "about", "at least",
    "by 2030", "by end-March 2027", "until", "by FY27", "within three years",
    "by next year", "in FY25", "last year", "Mr.", "U.S.", "Dec. 5", ".", ",", "!", "?",
    '"', "“", "”", "(", ")", "[", "]", "\n", "\n\n", "  ", "the minister said",
    "1,00,000", "99999999999999999999999999999999", "Mariners 268", "the two governments",
]  # fmt: skip

digit_runs = st.text(alphabet="0123456789", min_size=1, max_size=3000)
numbery = st.text(alphabet="0123456789,.- %$₹", min_size=1, max_size=500)
decorated_digits = st.tuples(
    st.sampled_from(["", "$", "Rs ", "US$ ", "between ", "rose "]),
    digit_runs,
    st.sampled_from(["", " billion", " per cent", " lakh crore", " tonnes", "-fold", " pacts"]),
).map("".join)
nested_brackets = st.integers(min_value=0, max_value=300).map(
    lambda n: "Bilateral trade (" * n + "$5 billion" + ")" * n + "."
)
bracket_soup = st.text(alphabet="()[]{}\"'“”‘’.$ 0123456789a", max_size=300)
prose = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join)
glued = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)

texts = st.one_of(
    st.text(),
    st.text(max_size=2000),
    digit_runs,
    numbery,
    decorated_digits,
    nested_brackets,
    bracket_soup,
    prose,
    glued,
)
published = st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))


@FAST
@given(text=texts, when=published)
# A digit run was once retried from each of its positions: 5,000 digits took 10 s.
@example(text="9" * 5000 + " x", when=None)
@example(text="$" + "9" * 40 + " trillion", when=None)  # past Decimal's 28 digits
@example(text="(" * 2000 + "Rs 5 crore" + ")" * 2000, when=date(2025, 12, 6))
@example(text="Russia signed nan agreements. Infinity per cent.", when=None)
def test_extract_never_raises_and_evidence_is_exact(text: str, when: date | None) -> None:
    facts = extract_facts(
        text, url="https://x.example/", outlet="X", published=when, vocabulary=VOCAB
    )
    for fact in facts:
        ev = fact.evidence
        assert 0 <= ev.start < ev.end <= len(text)
        assert text[ev.start : ev.end] == ev.quote
        assert ev.published == when
    # The comparison takes whatever the extractor gives.
    compare(facts[:3], facts)


@FAST
@given(text=texts)
def test_sentence_spans_are_exact_ordered_and_trimmed(text: str) -> None:
    last_end = 0
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
        assert sentence.text
        assert sentence.start >= last_end
        last_end = sentence.end
