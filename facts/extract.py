"""The extractor: text in, facts with evidence out. Pure; no I/O."""

from __future__ import annotations

from datetime import date

from facts.commitments import find_commitments
from facts.figures import find_figures
from facts.model import Evidence, Fact, FactKind, FigureKind
from facts.text import split_sentences
from facts.timeexpr import find_deadlines, find_periods, nearest
from facts.vocabulary import Vocabulary


def extract_facts(
    text: str,
    *,
    url: str,
    outlet: str,
    published: date | None,
    vocabulary: Vocabulary,
) -> list[Fact]:
    """Every figure and commitment stated in ``text``, in reading order.

    ``published`` resolves relative times ("by next year") and is the evidence
    date; spans in the evidence index into ``text``.
    """
    facts: list[Fact] = []
    for sentence in split_sentences(text):
        s = sentence.text
        evidence = Evidence(url, outlet, published, s, sentence.start, sentence.end)
        deadlines = find_deadlines(s, published)
        periods = find_periods(s, published)
        figures = find_figures(s, vocabulary)
        counted = {h.subject for h in figures if h.unit in ("count", "people")}
        for hit in figures:
            deadline = nearest(deadlines, hit.end)
            period = nearest(periods, hit.end)
            kind = hit.figure_kind
            if deadline is not None and kind is FigureKind.ACTUAL and hit.unit != "years":
                kind = FigureKind.TARGET  # "two more units by 2032" is a target
            facts.append(
                Fact(
                    kind=FactKind.FIGURE,
                    subject=hit.subject,
                    evidence=evidence,
                    value=hit.value,
                    value_max=hit.value_max,
                    unit=hit.unit,
                    qualifier=hit.qualifier,
                    figure_kind=kind,
                    deadline=deadline.value if deadline else None,
                    period=period.value if period and not deadline else None,
                )
            )
        for c in find_commitments(s, vocabulary):
            if c.subject in counted:
                continue  # "signed 12 agreements" is a count, already a figure
            deadline = nearest(deadlines, c.trigger_start)
            facts.append(
                Fact(
                    kind=FactKind.COMMITMENT,
                    subject=c.subject,
                    evidence=evidence,
                    status=c.status,
                    action=c.action,
                    actors=c.actors,
                    speaker=c.speaker,
                    negated=c.negated,
                    deadline=deadline.value if deadline else None,
                )
            )
    return facts


def first_per_key(facts: list[Fact]) -> list[Fact]:
    """One fact per key, the first stated: a baseline states each fact once."""
    seen: set[str] = set()
    out: list[Fact] = []
    for fact in facts:
        if fact.key not in seen:
            seen.add(fact.key)
            out.append(fact)
    return out
