"""The extractor: text in, facts with evidence out. Pure; no I/O."""

from __future__ import annotations

from datetime import date

from facts.commitments import find_commitments
from facts.figures import FigureHit, find_figures
from facts.model import Evidence, Fact, FactKind, FigureKind
from facts.tables import TableCell, header_periods, is_row, row_cells, row_label
from facts.text import split_sentences
from facts.timeexpr import TimeRef, find_deadlines, find_periods, nearest
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
    columns: tuple[str | None, ...] = ()  # periods of the last table header seen
    for sentence in split_sentences(text):
        s = sentence.text
        evidence = Evidence(url, outlet, published, s, sentence.start, sentence.end)
        if is_row(s):
            header = header_periods(s)
            if header is not None:
                columns = header
                continue
            cells = row_cells(s)
            if cells is not None:
                facts.extend(_table_facts(s, cells, columns, evidence, vocabulary))
                continue
        subjects = vocabulary.subjects.find(s)
        commitments = find_commitments(s, vocabulary, subjects)
        deadlines = find_deadlines(s, published)
        periods = find_periods(s, published)
        if commitments and not deadlines:
            # "expected to open 12 accounts next month": the time an action is due by.
            deadlines = [p for p in periods if p.future]
        periods = [p for p in periods if not (p.future and p in deadlines)]
        for hit in find_figures(s, vocabulary, subjects):
            facts.append(_figure(hit, deadlines, periods, evidence))
        for c in commitments:
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


def _figure(
    hit: FigureHit, deadlines: list[TimeRef], periods: list[TimeRef], evidence: Evidence
) -> Fact:
    deadline = nearest(deadlines, hit.end)
    period = nearest(periods, hit.end)
    kind = hit.figure_kind
    if deadline is not None and kind is FigureKind.ACTUAL and hit.unit != "years":
        kind = FigureKind.TARGET  # "two more units by 2032" is a target
    return Fact(
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


def _table_facts(
    row: str,
    cells: list[TableCell],
    columns: tuple[str | None, ...],
    evidence: Evidence,
    vocabulary: Vocabulary,
) -> list[Fact]:
    label = row_label(row)
    mentions = vocabulary.subjects.find(label)
    subject = mentions[0].canonical if mentions else "unknown"
    return [
        Fact(
            kind=FactKind.FIGURE,
            subject=subject,
            evidence=evidence,
            value=cell.value,
            unit=cell.unit,
            figure_kind=cell.figure_kind,
            period=columns[cell.column] if cell.column < len(columns) else None,
        )
        for cell in cells
    ]


def first_per_key(facts: list[Fact]) -> list[Fact]:
    """One fact per key, the first stated: a baseline states each fact once."""
    seen: set[str] = set()
    out: list[Fact] = []
    for fact in facts:
        if fact.key not in seen:
            seen.add(fact.key)
            out.append(fact)
    return out
