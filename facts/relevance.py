"""Is an entry on topic? Every keyword group must be named at least once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=64)
def _group_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def is_relevant(text: str, all_of: Sequence[Sequence[str]]) -> bool:
    return all(_group_pattern(tuple(group)).search(text) for group in all_of if group)
