"""Commitments in a sentence: who agreed, pledged or signed what, and how firmly.

A status word ("agreed to", "signed", "aims to", "is expected to", "denied")
places a clause on the ladder. Status words in one clause make one commitment:
a negative framing overrides the verb it governs ("denied that Moscow had
agreed" is a denial), otherwise the first positive word governs ("expected to
adopt a statement and sign" is expected). A new clause (", after failing to
agree", "; Moscow pledged") starts another commitment; a relative clause or an
apposition (", which may include") does not.

Hedges and conditions move or drop a status word: "may be signed" is proposed,
"if approved" and "no contract has yet been signed" commit nobody. "Will"
("Russia and India will expand joint production") is agreed only for a tracked
subject with a named actor.

The subject comes from the topic's vocabulary, one commitment per subject
named in the clause. Without one, a firm commitment (agreed or beyond, or
negative) with a named actor takes its object phrase as subject ("build a
fertiliser plant"); any other is kept with subject "unknown": stored and
counted, never compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from facts.model import NEGATIVE_STATUSES, STATUS_RANK, Status
from facts.numbers import NUMBER_WORD_PATTERN, parse_number
from facts.vocabulary import Mention, Vocabulary

UNKNOWN = "unknown"

_NEGATIVE: list[tuple[Status, str]] = [
    (Status.DENIED, r"denied|denies|deny|rejected\s+reports?|dismissed\s+reports?|ruled\s+out"),
    (
        Status.CANCELLED,
        r"cancell?ed|scrapped|called\s+off|abandoned|withdrew\s+from|terminated",
    ),
    (
        Status.POSTPONED,
        r"postponed|deferred|delayed|put\s+on\s+hold|pushed\s+back|shelved|put\s+off|puts\s+off",
    ),
    (
        Status.NOT_AGREED,
        r"without\s+(?:an?\s+)?(?:agreement|deal)|fail(?:ed|ing|s)?\s+to\s+(?:agree|reach|sign)|"
        r"no\s+agreement|did\s+not\s+(?:agree|sign|materiali[sz]e)|could\s+not\s+agree|stalled|"
        r"(?:will|would|shall)\s+not\s+(?:sign|agree|ink)|won['’]t\s+(?:sign|agree|ink)|"
        r"failed\s+to\s+materiali[sz]e|nor\s+was\s+there\s+(?:an?\s+)?(?:agreement|deal)|"
        r"signed\s+(?:nothing|no)\b|refused\s+to\s+(?:sign|agree|accept)|"
        r"declined\s+(?:an?|the)\b|rejected\s+(?:an?|the)\s+(?:\w+\s+)?"
        r"(?:request|proposal|offer|demand|plan)",
    ),
]
_POSITIVE: list[tuple[Status, str]] = [
    # Longer phrases first: at one position the first alternative that matches wins.
    (Status.AIM, r"committed\s+to\s+maintaining"),
    (
        Status.DELIVERED,
        r"delivered|completed|commissioned|handed\s+over|inaugurated|"
        r"(?:has|have|had)\s+(?:already\s+)?(?:shipped|supplied)",
    ),
    (
        Status.IN_PROGRESS,
        r"under\s+way|underway|began|begun|started|is\s+being\s+built|in\s+progress|implementing|"
        r"(?:is|are|was|were)\s+(?:also\s+|already\s+|now\s+|currently\s+)?"
        r"(?:building|constructing|developing|working\s+(?:on|with))",
    ),
    (
        Status.SIGNED,
        rf"signed|inked|sign(?:s|ing)?\s+(?:an?|the)\b|concluded|"
        rf"signs?(?=\s+(?:\d|more\b|(?:{NUMBER_WORD_PATTERN})\b|deals?\b|pacts?\b|agreements?\b))",
    ),
    (
        Status.PLEDGED,
        r"pledged|pledges|pledge\s+to|committed\s+to|promised|promises|vowed|vows|"
        r"guaranteed|guarantees|guarantee",
    ),
    (Status.AGREED, r"agreed|agree\s+to|agrees|reached\s+(?:an?\s+)?(?:agreement|deal)|approved"),
    (
        Status.EXPECTED,
        r"(?:is|are|was|were)\s+expected\s+to|expected\s+to|likely\s+to|set\s+to|poised\s+to|"
        r"scheduled\s+to|slated\s+to|due\s+to\s+(?:sign|be)|"
        # a signing announced for later is expected, not done
        r"(?:will|shall|are\s+to|is\s+to)\s+sign",
    ),
    (
        Status.AIM,
        r"aims?\s+to|aimed\s+(?:at|to)|aim\s+of|goal\s+of|targets?\s+(?:of|to)|targeted|"
        r"set\s+(?:an?\s+|the\s+)?(?:[\w$.,-]+\s+){0,4}?(?:goal|target)s?|seeks?\s+to|"
        r"sought\s+to|plans?\s+to|planned\s+to|intends?\s+to|intention\s+to|"
        r"wants?(?!\s+\w+ed\b)|hopes?\s+to",
    ),
    (
        Status.PROPOSED,
        r"proposed|proposal|proposes|propose|may\s+include|could\s+include|might|considering|"
        r"discussed|discussions?\s+(?:on|about)|explore|exploring|floated|floats|"
        r"offered\s+(?:to|an?|the)\b|offers?\s+to|weighing|negotiating|readiness\s+to|"
        r"ready\s+to|willing\s+to|under\s+study|mooted|"
        r"talks\s+on(?!\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|\d))",
    ),
]
# Status words that say little alone: they need a subject, an actor or a deal noun.
_WEAK = re.compile(r"^(?:might|set\s+to|likely\s+to|explor|consider|discuss|talks)", re.I)

_STATUS_OF: dict[str, Status] = {}


def _alternation() -> str:
    parts = []
    for i, (status, pattern) in enumerate([*_NEGATIVE, *_POSITIVE]):
        name = f"s{i}"
        _STATUS_OF[name] = status
        parts.append(f"(?P<{name}>{pattern})")
    return "|".join(parts)


_TRIGGER = re.compile(rf"\b(?:{_alternation()})\b", re.IGNORECASE)
# "will expand", and the headline's "Moscow and New Delhi to expand".
_FUTURE = re.compile(
    r"\b(?:will|shall)\s+(?:also\s+|jointly\s+|now\s+)?(?!(?:not|never|be)\b)[a-z]{3,}\b"
)
_HEADLINE_TO = re.compile(r"\s+to\s+(?!(?:the|an?|its|their|be|and|or)\b)[a-z]{3,}\b")

_NOUN_TRIGGER = re.compile(
    r"(?:proposal|talks|discussions?|goal|target|aim\s+of|intention|readiness|under\s+study)\b",
    re.IGNORECASE,
)
_VERB_AS_NOUN = re.compile(r"(?:plans?|aims?|targets?|offers?)\b", re.IGNORECASE)
_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|its|their|his|her|our|out|has|have|had|announced|unveiled|with|of|no|any)\s+$",
    re.IGNORECASE,
)
_CONNECTORS = re.compile(r"(?:\s|,|\b(?:and|both|the|also|now)\b)*", re.IGNORECASE)
_BOUNDARY = re.compile(r"[,;:]|\s[—–-]\s")
# A clause that only describes what came before: ", which may include", ", a step that".
_NOT_A_NEW_CLAUSE = frozenset({"which", "who", "whom", "whose", "that", "a", "an"})
_CONDITION = re.compile(r"\b(?:if|unless|whether)\b[^,;:]{0,60}$", re.IGNORECASE)
_PENDING = re.compile(
    r"(?:\b(?:no|not)\b[^,;:]{0,40}\byet\b[^,;:]{0,20}|\byet\s+to\s+(?:be\s+)?)$", re.IGNORECASE
)
_MODAL = re.compile(
    r"(?:\b(?:may|might|could)\s+(?:not\s+)?(?:yet\s+)?|\b(?:unlikely|not\s+likely|not\s+expected)"
    r"\s+to\s+)(?:be\s+)?$",
    re.IGNORECASE,
)
_DEAL_NOUN = re.compile(
    r"\b(?:agreements?|deals?|pacts?|plans?|proposals?|schemes?|programmes?|programs?|funds?|"
    r"contracts?|mechanisms?|roadmaps?|frameworks?|memorand(?:um|a)|MoUs?|treat(?:y|ies)|"
    r"accords?|projects?|talks|term\s+sheets?|facilit(?:y|ies)|arrangements?|goals?|targets?|"
    r"ministry|government|plants?|corridor|route)\b",
    re.IGNORECASE,
)
_SPEAKER = re.compile(
    r"(?:,\s*|\b)(?P<who>(?:the\s+)?(?:[A-Z][\w'’.-]*\s+){0,4}?"
    r"(?:[A-Z][\w'’.-]*|ministry|minister|officials?|spokes(?:man|woman|person)|"
    r"diplomats?|sources?|analysts?))\s+(?:said|says|told|stated|announced|noted|added)\b"
    # '"...," said Anil Verkade, president of ...'
    r"|\b(?:said|says)\s+(?P<inv>(?:[A-Z][\w'’.-]*\s+){0,3}[A-Z][\w'’.-]*)"
    r"|\b[Aa]ccording\s+to\s+(?P<per>(?:the\s+|an?\s+)?(?:[\w'’.-]+\s+){0,4}?[\w'’.-]+)\s*(?:[,.]|$)"
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


@dataclass(frozen=True)
class _Trigger:
    status: Status
    start: int
    end: int
    text: str
    # "this proposal", "talks on", "sets out plans to": a noun names a commitment
    # that a verb elsewhere in the sentence states.
    noun: bool = False


def _triggers(sentence: str) -> list[_Trigger]:
    out: list[_Trigger] = []
    for m in _TRIGGER.finditer(sentence):
        name = m.lastgroup or ""
        status = _STATUS_OF[name]
        clause_start = _clause_start(sentence, m.start())
        before = sentence[clause_start : m.start()]
        if _CONDITION.search(before) or _PENDING.search(before):
            continue  # "if approved", "no contract had yet been signed"
        if status not in NEGATIVE_STATUSES and _MODAL.search(before):
            status = Status.PROPOSED  # "may not be signed any time soon"
        noun = bool(_NOUN_TRIGGER.match(m.group(0))) or bool(
            _VERB_AS_NOUN.match(m.group(0)) and _DETERMINER_BEFORE.search(before)
        )
        out.append(_Trigger(status, m.start(), m.end(), m.group(0), noun))
    return out


def _with_future(sentence: str, triggers: list[_Trigger], actors: list[Mention]) -> list[_Trigger]:
    taken = [(t.start, t.end) for t in triggers]
    out = list(triggers)
    for start, end, text in _future(sentence, actors):
        if not any(s <= start < e or start <= s < end for s, e in taken):
            out.append(_Trigger(Status.AGREED, start, end, text))
    out.sort(key=lambda t: t.start)
    return out


def _future(sentence: str, actors: list[Mention]) -> list[tuple[int, int, str]]:
    """ "X will expand", "X and Y to expand": agreed, when the named actors alone are
    what the clause starts with ("trade between India and Russia will reach" is no
    one's commitment)."""
    found = []
    for m in _FUTURE.finditer(sentence):
        if _actors_only(sentence, _clause_start(sentence, m.start()), m.start(), actors):
            found.append((m.start(), m.end(), m.group(0)))
    for a in actors:
        verb = _HEADLINE_TO.match(sentence, a.end)
        if verb and _actors_only(sentence, _clause_start(sentence, a.start), a.end, actors):
            found.append((a.end + 1, verb.end(), verb.group(0).strip()))
    return found


def _actors_only(sentence: str, start: int, end: int, actors: list[Mention]) -> bool:
    rest = sentence[start:end]
    inside = [a for a in actors if start <= a.start and a.end <= end]
    for a in sorted(inside, key=lambda a: a.start, reverse=True):
        rest = rest[: a.start - start] + " " + rest[a.end - start :]
    return bool(inside) and _CONNECTORS.fullmatch(rest) is not None


def _clause_start(sentence: str, pos: int) -> int:
    last = 0
    for b in _BOUNDARY.finditer(sentence, 0, pos):
        last = b.end()
    return last


def _new_clause(sentence: str, prev_end: int, start: int) -> bool:
    between = sentence[prev_end:start]
    bounds = list(_BOUNDARY.finditer(between))
    if not bounds:
        return False
    words = between[bounds[-1].end() :].split()
    return not words or words[0].lower() not in _NOT_A_NEW_CLAUSE


def _groups(sentence: str, triggers: list[_Trigger]) -> list[tuple[int, int, list[_Trigger]]]:
    """Triggers grouped by clause, each group with the span of text it owns."""
    groups: list[list[_Trigger]] = []
    for t in triggers:
        if groups and (
            t.noun
            or all(p.noun for p in groups[-1])  # "Talks on X ..., ended without a deal"
            or not _new_clause(sentence, groups[-1][-1].end, t.start)
        ):
            groups[-1].append(t)
        else:
            groups.append([t])
    starts = [0] + [_clause_start(sentence, g[0].start) for g in groups[1:]]
    ends = [*starts[1:], len(sentence)]
    return list(zip(starts, ends, groups, strict=True))


def _governing(group: list[_Trigger]) -> _Trigger:
    negatives = [t for t in group if t.status in NEGATIVE_STATUSES]
    return negatives[0] if negatives else group[0]


def _speaker(sentence: str) -> str | None:
    m = _SPEAKER.search(sentence)
    if not m:
        return None
    return " ".join((m.group("who") or m.group("inv") or m.group("per")).split())


def find_commitments(
    sentence: str, vocabulary: Vocabulary, subjects: list[Mention] | None = None
) -> list[CommitmentHit]:
    """``subjects``: the vocabulary's subject mentions in the sentence, when the
    caller has them already."""
    triggers = _triggers(sentence)
    mentions = vocabulary.subjects.find(sentence) if subjects is None else subjects
    if not triggers and not (mentions and ("will" in sentence or " to " in sentence)):
        return []
    actor_mentions = vocabulary.actors.find(sentence)
    if mentions and actor_mentions:
        triggers = _with_future(sentence, triggers, actor_mentions)
    if not triggers:
        return []
    actors = tuple(dict.fromkeys(m.canonical for m in actor_mentions))
    speaker = _speaker(sentence)
    out: list[CommitmentHit] = []
    for index, (start, end, group) in enumerate(_groups(sentence, triggers)):
        trigger = _governing(group)
        status = trigger.status
        action = " ".join(trigger.text.lower().split())
        # Clause spans partition the sentence: each subject named belongs to one clause.
        names = list(dict.fromkeys(m.canonical for m in mentions if start <= m.start < end))
        if names:
            out.extend(
                CommitmentHit(status, name, actors, action, speaker, trigger.start, True)
                for name in names
            )
            continue
        firm = status in NEGATIVE_STATUSES or STATUS_RANK[status] >= STATUS_RANK[Status.AGREED]
        span = sentence[start:end] if index else sentence
        # An actor in the clause's own subject position, not "specialists from India".
        anchored = bool(_DEAL_NOUN.search(span)) or any(
            start <= a.start < trigger.start for a in actor_mentions
        )
        if (index > 0 and not anchored and status not in NEGATIVE_STATUSES) or (
            _WEAK.match(action) and not (anchored or actors)
        ):
            continue  # "..., and enterprises are ready to welcome specialists": no one named
        obj = _object_phrase(sentence[trigger.end : end]) if firm and actors else None
        out.append(
            CommitmentHit(status, obj or UNKNOWN, actors, action, speaker, trigger.start, False)
        )
    return out


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
