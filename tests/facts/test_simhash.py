"""simhash against its definition: stored fingerprints must never change value."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from facts.syndication import BITS, _shingles, simhash


def simhash_by_definition(text: str) -> int:
    """Charikar's simhash written out: +1/-1 per bit per shingle hash, sign per bit."""
    weights = [0] * BITS
    seen = False
    for shingle in _shingles(text):
        if not shingle:
            continue
        seen = True
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    if not seen:
        return 0
    return sum(1 << bit for bit in range(BITS) if weights[bit] > 0)


WORDS = st.lists(
    st.sampled_from(["India", "Russia", "trade", "oil", "2030", "$10", "bn", "the", "ré", "x"]),
    max_size=60,
)


@given(WORDS)
@settings(max_examples=300, deadline=None)
def test_simhash_equals_its_definition(words: list[str]) -> None:
    text = " ".join(words)
    assert simhash(text) == simhash_by_definition(text)


@given(st.text(max_size=400))
@settings(max_examples=200, deadline=None)
def test_simhash_equals_its_definition_on_any_text(text: str) -> None:
    assert simhash(text) == simhash_by_definition(text)


def test_a_stored_fingerprint_keeps_its_value() -> None:
    # Articles' simhashes are stored; a run compares new ones with them, so the value
    # for a given text is fixed for good.
    text = "India and Russia agreed to raise bilateral trade to 100 billion dollars by 2030."
    assert simhash(text) == 3895211768601974940
