"""A topic's vocabulary: canonical actors and subjects with their aliases.

Built by flows/ from topic.toml and handed to the extractor; nothing here reads
files. Matching is case-insensitive on word boundaries, longest alias first, so
"bilateral trade turnover" wins over "trade".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mention:
    canonical: str
    start: int
    end: int


_GAP = r"[\s\-‐‑–—]+"
_WORDS = re.compile(_GAP)


def _alias_pattern(aliases: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({a.strip() for a in aliases if a.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    # Spaces and hyphens match each other and any dash: "Chennai–Vladivostok" (an en
    # dash, as typeset) is the alias "Chennai-Vladivostok".
    alternation = "|".join(_GAP.join(map(re.escape, _WORDS.split(a))) for a in ordered)
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class AliasTable:
    """canonical name -> aliases (the canonical name is always an alias too)."""

    entries: Mapping[str, tuple[str, ...]]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for canonical, aliases in self.entries.items():
            for alias in (canonical, *aliases):
                lookup[_fold(alias)] = canonical
        object.__setattr__(self, "_lookup", lookup)
        object.__setattr__(self, "_pattern", _alias_pattern(lookup))

    def find(self, text: str) -> list[Mention]:
        if self._pattern is None:
            return []
        return [
            Mention(self._lookup[_fold(m.group(0))], m.start(), m.end())
            for m in self._pattern.finditer(text)
        ]

    def canonical(self, phrase: str) -> str | None:
        return self._lookup.get(_fold(phrase))


def _fold(text: str) -> str:
    return re.sub(r"[\s\-‐‑–—]+", " ", text.strip().lower())


@dataclass(frozen=True)
class Vocabulary:
    """actors: who commits; subjects: what figures measure and commitments are about;
    counted: what counts count ("12 agreements", "two reactor units")."""

    actors: AliasTable
    subjects: AliasTable
    counted: AliasTable

    def is_tracked(self, subject: str) -> bool:
        return subject in self.subjects.entries or subject in self.counted.entries

    @classmethod
    def from_mappings(
        cls,
        actors: Mapping[str, Iterable[str]],
        subjects: Mapping[str, Iterable[str]],
        counted: Mapping[str, Iterable[str]] | None = None,
    ) -> Vocabulary:
        return cls(
            actors=AliasTable({k: tuple(v) for k, v in actors.items()}),
            subjects=AliasTable({k: tuple(v) for k, v in subjects.items()}),
            counted=AliasTable({k: tuple(v) for k, v in (counted or {}).items()}),
        )

    @classmethod
    def empty(cls) -> Vocabulary:
        return cls.from_mappings({}, {})
