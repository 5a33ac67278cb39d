"""Commitments in a sentence: who agreed, pledged or signed what, and how firmly.

A status word ("agreed to", "signed", "aims to", "is expected to", "denied")
places the sentence on the ladder. Negative framings override the verb they
govern: "denied that Moscow had agreed" is a denial, not an agreement. When
several positive status words appear, the first governs ("expected to sign" is
expected). The subject comes from the topic's vocabulary; without one, an
untracked commitment is kept only when it is firm (agreed or beyond, or
negative) and has a named actor, with the object phrase as its subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from facts.model import NEGATIVE_STATUSES, STATUS_RANK, Status
from facts.numbers import parse_number
from facts.vocabulary import Vocabulary

# Order matters inside each list only for readability; the earliest match in the
# sentence wins among positives, and any negative beats every positive.
_NEGATIVE: list[tuple[Status, str]] = [
    (Status.DENIED, r"denied|denies|deny|rejected\s+reports|dismissed\s+reports|ruled\s+out"),
    (Status.CANCELLED, r"cancell?ed|scrapped|called\s+off|abandoned|withdrew\s+from|terminated"),
    (Status.POSTPONED, r"postponed|deferred|delayed|put\s+on\s+hold|pushed\s+back|shelved"),
    (
        Status.NOT_AGREED,
        r"without\s+(?:an?\s+)?(?:agreement|deal)|failed\s+to\s+(?:agree|reach|sign)|"
        r"no\s+agreement|did\s+not\s+(?:agree|sign)|could\s+not\s+agree|stalled",
    ),
]
_POSITIVE: list[tuple[Status, str]] = [
    (Status.DELIVERED, r"delivered|completed|commissioned|handed\s+over|inaugurated"),
    (
        Status.IN_PROGRESS,
        r"under\s+way|underway|began|begun|started|is\s+being\s+built|in\s+progress|implementing",
    ),
    (Status.SIGNED, r"signed|inked|sign(?:s|ing)?\s+(?:an?|the)\b|concluded"),
    (Status.PLEDGED, r"pledged|pledges|committed\s+to|promised|vowed|guaranteed"),
    (Status.AGREED, r"agreed|agree\s+to|agrees|reached\s+(?:an?\s+)?(?:agreement|deal)|approved"),
    (
        Status.EXPECTED,
        r"(?:is|are|was|were)\s+expected\s+to|expected\s+to|likely\s+to|set\s+to|poised\s+to|"
        r"scheduled\s+to|due\s+to\s+(?:sign|be)",
    ),
    (
        Status.AIM,
        r"aims?\s+to|aimed\s+(?:at|to)|aim\s+(?:of|to)|goal\s+of|target\s+of|targets?|seeks?\s+to|"
        r"plans?\s+to|intends?\s+to|intention\s+to|readiness\s+to|ready\s+to|willing\s+to|"
        r"committed\s+to\s+maintaining",
    ),
    (
        Status.PROPOSED,
        r"proposed|proposal|may\s+include|could\s+include|might|considering|discussed|"
        r"discussions?\s+(?:on|about)|talks\s+on|explore|exploring",
    ),
]


def _compile(table: list[tuple[Status, str]]) -> list[tuple[Status, re.Pattern[str]]]:
    return [(s, re.compile(rf"\b(?:{p})\b", re.IGNORECASE)) for s, p in table]


_NEGATIVE_RE = _compile(_NEGATIVE)
_POSITIVE_RE = _compile(_POSITIVE)
_SPEAKER = re.compile(
    r"(?:,\s*|\b)(?P<who>(?:the\s+)?(?:[A-Z][\w'’.-]*\s+){0,4}?"
    r"(?:[A-Z][\w'’.-]*|ministry|minister|officials?|spokes(?:man|woman|person)|"
    r"diplomats?|sources?|analysts?))\s+(?:said|says|told|stated|announced)\b"
)
_OBJECT = re.compile(
    r"^\s*(?:to\s+)?(?:an?\s+|the\s+|on\s+(?:an?\s+|the\s+)?)?(?P<obj>[^,.;:]{3,60})"
)
_OBJECT_STOP = re.compile(r"\b(?:by|with|in|at|for|during|after|before|on|from|until)\b")


@dataclass(frozen=True)
class CommitmentHit:
    status: Status
    subject: str
    actors: tuple[str, ...]
    action: str
    speaker: str | None
    trigger_start: int
    tracked: bool

    @property
    def negated(self) -> bool:
        return self.status in NEGATIVE_STATUSES


def _status(sentence: str) -> tuple[Status, re.Match[str]] | None:
    negatives = [(m.start(), s, m) for s, rx in _NEGATIVE_RE if (m := rx.search(sentence))]
    if negatives:
        _, status, match = min(negatives, key=lambda t: t[0])
        return status, match
    positives = [(m.start(), s, m) for s, rx in _POSITIVE_RE if (m := rx.search(sentence))]
    if not positives:
        return None
    _, status, match = min(positives, key=lambda t: t[0])
    return status, match


def find_commitments(sentence: str, vocabulary: Vocabulary) -> list[CommitmentHit]:
    found = _status(sentence)
    if found is None:
        return []
    status, trigger = found
    actors = tuple(dict.fromkeys(m.canonical for m in vocabulary.actors.find(sentence)))
    speaker_match = _SPEAKER.search(sentence)
    speaker = " ".join(speaker_match.group("who").split()) if speaker_match else None
    action = " ".join(trigger.group(0).lower().split())
    subjects = list(dict.fromkeys(m.canonical for m in vocabulary.subjects.find(sentence)))
    if subjects:
        return [
            CommitmentHit(status, s, actors, action, speaker, trigger.start(), True)
            for s in subjects
        ]
    firm = status in NEGATIVE_STATUSES or STATUS_RANK[status] >= STATUS_RANK[Status.AGREED]
    if not firm or not actors:
        return []
    obj = _object_phrase(sentence[trigger.end() :])
    if obj is None:
        return []
    return [CommitmentHit(status, obj, actors, action, speaker, trigger.start(), False)]


def _object_phrase(rest: str) -> str | None:
    m = _OBJECT.match(rest)
    if not m:
        return None
    phrase = m.group("obj")
    stop = _OBJECT_STOP.search(phrase)
    if stop:
        phrase = phrase[: stop.start()]
    words = phrase.lower().split()[:6]
    # "signed 12 agreements" (or "twelve agreements") is a count, not a
    # commitment's object; "that ..." clauses are reported speech handled by the
    # negative rules.
    if (
        len(words) < 2
        or words[0][0].isdigit()
        or parse_number(words[0]) is not None
        or words[0] in {"that", "it", "this", "which"}
    ):
        return None
    return " ".join(words)
