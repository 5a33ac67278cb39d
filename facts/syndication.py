"""Near-duplicate articles: reprints of one wire story count as one source.

A 64-bit simhash over word 3-shingles (Charikar 2002, as used for web-page
near-duplicates by Manku et al., WWW 2007): texts that share most shingles get
hashes a few bits apart, whatever their page markup. Pure.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
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
    """The simhash of ``text``; 0 for a text with no words.

    Bit ``i`` of the result is set where more than half of the shingles' 64-bit
    hashes have bit ``i`` set. The hashes' bytes are counted per byte position
    (Counter over a bytes slice runs in C), so the per-bit tally is 8 x 256
    steps, not 64 steps a shingle.
    """
    digests = b"".join(
        hashlib.blake2b(shingle.encode(), digest_size=8).digest()
        for shingle in _shingles(text)
        if shingle
    )
    shingles = len(digests) // 8
    if not shingles:
        return 0
    result = 0
    for position in range(8):  # byte 0 holds bits 63..56 (big-endian, as int.from_bytes)
        counts = Counter(digests[position::8])
        for bit in range(8):
            ones = sum(n for value, n in counts.items() if value >> bit & 1)
            if 2 * ones > shingles:  # more 1s than 0s: the weight is positive
                result |= 1 << ((7 - position) * 8 + bit)
    return result


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
