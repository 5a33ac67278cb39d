"""Matching an observation to the tracked fact it speaks of, through paraphrase.

Subjects the topic's vocabulary names are already canonical ("two-way trade" and
"bilateral trade turnover" are both "bilateral trade"), and two different
vocabulary subjects are never merged. A subject the vocabulary does not know (an
object phrase such as "launch the chennai-vladivostok shipping route") is matched
to a known subject of the same shape — kind, unit dimension, figure kind, so a
target never matches an actual — when the two phrases are close (rapidfuzz). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from rapidfuzz import fuzz, process

from facts.figures import CHANGE_PREFIX
from facts.model import Fact, FactKind, unit_dimension

UNKNOWN_SUBJECT = "unknown"
# token_set_ratio: word order and repeats do not matter. 90 keeps "maritime corridor
# to vladivostok" with "vladivostok maritime corridor" but not "defence agreements"
# with "trade agreements".
THRESHOLD = 90.0
_STOP = frozenset({"the", "a", "an", "of", "to", "on", "for", "and", "in", "with", "new"})


def shape(fact: Fact) -> tuple[str, ...]:
    if fact.kind is FactKind.FIGURE:
        fk = fact.figure_kind.value if fact.figure_kind else ""
        return ("figure", unit_dimension(fact.unit), fk, fact.period or "")
    return ("commitment",)


def _words(subject: str) -> list[str]:
    return [w for w in subject.lower().replace("-", " ").split() if w not in _STOP]


def similar(a: str, b: str) -> bool:
    """Close paraphrases, not mere overlap: each side keeps two content words and
    neither is less than half the other's length."""
    wa, wb = _words(a), _words(b)
    if min(len(wa), len(wb)) < 2 or min(len(wa), len(wb)) * 2 < max(len(wa), len(wb)):
        return False
    return fuzz.token_set_ratio(" ".join(wa), " ".join(wb)) >= THRESHOLD


def key_shape(key: str) -> tuple[tuple[str, ...], str] | None:
    """(shape, subject) of a fact key, the inverse of Fact.key's layout."""
    parts = key.split("|")
    if parts[0] == "commitment" and len(parts) == 2:
        return ("commitment",), parts[1]
    if parts[0] == "figure" and len(parts) in (4, 5):
        period = parts[4] if len(parts) == 5 else ""
        return ("figure", parts[2], parts[3], period), parts[1]
    return None


class _Known:
    """The subjects known for one shape, in the order they became known.

    A run matches each new subject against every known one, and a store's subjects
    grow with every run; so each known subject's words are split once, subjects
    are grouped by their number of content words (similar() compares only counts
    within a factor of two), and rapidfuzz scores a group in one call.
    """

    def __init__(self) -> None:
        self.subjects: list[str] = []
        self.names: set[str] = set()
        # word count -> (positions in ``subjects``, content words joined)
        self._by_count: dict[int, tuple[list[int], list[str]]] = {}

    def add(self, subject: str) -> None:
        if subject in self.names:
            return
        self.names.add(subject)
        words = _words(subject)
        if len(words) >= 2:  # fewer: similar() to nothing
            positions, texts = self._by_count.setdefault(len(words), ([], []))
            positions.append(len(self.subjects))
            texts.append(" ".join(words))
        self.subjects.append(subject)

    def first_similar(self, subject: str) -> str | None:
        """The earliest known subject that similar() pairs with ``subject``."""
        words = _words(subject)
        if len(words) < 2:
            return None
        text = " ".join(words)
        best: int | None = None
        for count, (positions, texts) in self._by_count.items():
            if min(count, len(words)) * 2 < max(count, len(words)):
                continue
            # One point under the threshold picks the candidates; the scorer called
            # as similar() calls it decides, so a rounding apart cannot differ.
            for _, _, i in process.extract(
                text, texts, scorer=fuzz.token_set_ratio, score_cutoff=THRESHOLD - 1, limit=None
            ):
                if (best is None or positions[i] < best) and fuzz.token_set_ratio(
                    text, texts[i]
                ) >= THRESHOLD:
                    best = positions[i]
        return None if best is None else self.subjects[best]


def canonicalize(
    observed: Sequence[Fact],
    references: Iterable[Fact],
    tracked_subjects: frozenset[str],
    known_keys: Iterable[str] = (),
) -> list[Fact]:
    """``observed`` with paraphrased subjects replaced by the known subject they match.

    References are the baseline and earlier observations, and ``known_keys`` the keys
    of every tracked fact stored so far; an observation matched here becomes a
    reference for the ones after it, so ten outlets' wordings of one new commitment,
    in one run or many, end up as one tracked fact.
    """
    known: dict[tuple[str, ...], _Known] = {}

    def of_shape(fact_shape: tuple[str, ...]) -> _Known:
        found = known.get(fact_shape)
        if found is None:
            found = known[fact_shape] = _Known()
        return found

    for fact in references:
        of_shape(shape(fact)).add(fact.subject)
    for key in known_keys:
        parsed = key_shape(key)
        if parsed is not None:
            of_shape(parsed[0]).add(parsed[1])
    out: list[Fact] = []
    for fact in observed:
        base = fact.subject.removeprefix(CHANGE_PREFIX)
        subjects = of_shape(shape(fact))
        if (
            base == UNKNOWN_SUBJECT
            or fact.subject in tracked_subjects
            or fact.subject in subjects.names
        ):
            out.append(fact)
            continue
        match = subjects.first_similar(fact.subject)
        if match is not None:
            fact = replace(fact, subject=match)
        else:
            subjects.add(fact.subject)
        out.append(fact)
    return out
