"""Near-duplicate articles: reprints of one wire story count as one source.

A 64-bit simhash over word 3-shingles (Charikar 2002, as used for web-page
near-duplicates by Manku et al., WWW 2007): texts that share most shingles get
hashes a few bits apart, whatever their page markup. Pure.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+", re.UNICODE)
BITS = 64
# Manku et al. used 3 of 64 bits for whole web pages; news articles are short, so a
# credit line ("This story was provided by ...") moves more bits. Measured on the
# demo and the extraction corpus (36 articles on one topic): a reprint with a credit
# line is 8 bits from its original, unrelated articles 20 or more bits apart.
NEAR_DUPLICATE_BITS = 12


def _shingles(text: str, size: int = 3) -> Iterable[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        yield " ".join(words)
        return
    for i in range(len(words) - size + 1):
        yield " ".join(words[i : i + size])


def simhash(text: str) -> int:
    """The simhash of ``text``; 0 for a text with no words."""
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


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def is_near_duplicate(a: int, b: int, bits: int = NEAR_DUPLICATE_BITS) -> bool:
    return a != 0 and b != 0 and distance(a, b) <= bits


def find_reprints(
    new: Iterable[tuple[str, int]], known: Iterable[tuple[str, int]]
) -> dict[str, str]:
    """url -> the url it reprints, for each new article near-identical to an earlier one.

    ``known`` are stored articles, oldest first; ``new`` are this run's, in reading
    order (each may be the original of a later one). A reprint of a reprint points
    at the original.
    """
    originals: list[tuple[str, int]] = list(known)
    found: dict[str, str] = {}
    for url, fingerprint in new:
        match = next((u for u, h in originals if is_near_duplicate(h, fingerprint)), None)
        if match is not None:
            found[url] = found.get(match, match)
        else:
            originals.append((url, fingerprint))
    return found
