"""The fact model: frozen dataclasses shared by every room.

Nothing here does I/O. Values are normalised at extraction time so that two
outlets writing "$100 billion" and "US$ 100bn" produce equal facts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class FactKind(StrEnum):
    FIGURE = "figure"
    COMMITMENT = "commitment"


class Status(StrEnum):
    """The commitment ladder, named exactly as exported."""

    PROPOSED = "proposed"
    AIM = "aim"
    EXPECTED = "expected"
    AGREED = "agreed"
    PLEDGED = "pledged"
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    DENIED = "denied"
    NOT_AGREED = "not_agreed"


# Rank on the ladder; the negative statuses sit below every positive one, so a
# move to any of them is a move down.
STATUS_RANK: Mapping[Status, int] = {
    Status.PROPOSED: 1,
    Status.AIM: 2,
    Status.EXPECTED: 3,
    Status.AGREED: 4,
    Status.PLEDGED: 4,
    Status.SIGNED: 5,
    Status.IN_PROGRESS: 6,
    Status.DELIVERED: 7,
    Status.POSTPONED: 0,
    Status.CANCELLED: -1,
    Status.NOT_AGREED: -1,
    Status.DENIED: -2,
}

NEGATIVE_STATUSES = frozenset(
    {Status.POSTPONED, Status.CANCELLED, Status.DENIED, Status.NOT_AGREED}
)


class FigureKind(StrEnum):
    TARGET = "target"
    ACTUAL = "actual"
    FORECAST = "forecast"


# Units grouped by what they measure: a figure's identity includes the
# dimension, so "12 agreements" and "$12 billion" on one subject stay apart.
UNIT_DIMENSIONS: Mapping[str, str] = {
    "USD": "money",
    "INR": "money",
    "RUB": "money",
    "EUR": "money",
    "GBP": "money",
    "CNY": "money",
    "percent": "percent",
    "count": "count",
    "people": "count",
    "bpd": "flow",
    "tonnes": "mass",
    "W": "power",
    "km": "length",
    "years": "duration",
    "months": "duration",
    "days": "duration",
    "multiple": "multiple",
}


def unit_dimension(unit: str | None) -> str:
    return UNIT_DIMENSIONS.get(unit or "", unit or "none")


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: the sentence and its character span in the text."""

    url: str
    outlet: str
    published: date | None
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Fact:
    """One figure or commitment, normalised, with its evidence.

    Figures use value/value_max/unit/figure_kind; commitments use status/action/
    actors. Both may carry a deadline ("2030", "2027-03", ISO prefixes so that
    they sort as text).
    """

    kind: FactKind
    subject: str
    evidence: Evidence
    value: Decimal | None = None
    value_max: Decimal | None = None
    unit: str | None = None
    qualifier: str | None = None
    figure_kind: FigureKind | None = None
    deadline: str | None = None
    period: str | None = None
    status: Status | None = None
    action: str | None = None
    actors: tuple[str, ...] = ()
    speaker: str | None = None
    negated: bool = False

    @property
    def key(self) -> str:
        """Stable identity of the tracked fact this observation speaks of.

        Commitments are keyed by subject alone: outlets name the parties
        inconsistently ("Moscow aims", "the two sides aim"), so actors are data,
        not identity. An actual figure measured over a stated period is keyed by
        that period too: exports "in FY24" and "in FY25" are two facts, not a change.
        """
        if self.kind is FactKind.FIGURE:
            fk = self.figure_kind.value if self.figure_kind else FigureKind.ACTUAL.value
            key = f"figure|{self.subject}|{unit_dimension(self.unit)}|{fk}"
            if fk == FigureKind.ACTUAL.value and self.period:
                key += f"|{self.period}"
            return key
        return f"commitment|{self.subject}"

    @property
    def id(self) -> str:
        """Stable id of this observation: the same sentence read twice is one fact."""
        ev = self.evidence
        raw = f"{self.key}|{ev.url}|{ev.start}|{ev.end}|{self.value}|{self.status}"
        return "f_" + hashlib.sha256(raw.encode()).hexdigest()[:16]

    def compared_fields(self) -> dict[str, Any]:
        """The normalised fields that the comparison looks at."""
        if self.kind is FactKind.FIGURE:
            return {
                "value": self.value,
                "value_max": self.value_max,
                "unit": self.unit,
                "deadline": self.deadline,
            }
        return {"status": self.status.value if self.status else None, "deadline": self.deadline}


class ChangeKind(StrEnum):
    CONFIRMED = "confirmed"
    FIGURE_CHANGED = "figure_changed"
    DEADLINE_MOVED = "deadline_moved"
    STATUS_CHANGED = "status_changed"
    NEW_COMMITMENT = "new_commitment"
    NEW_FIGURE = "new_figure"
    CONTRADICTION = "contradiction"
    # A commitment the baseline had as positive, now denied or cancelled.
    RETRACTED = "retracted"
    # A commitment's deadline went by with no word of delivery.
    DEADLINE_PASSED = "deadline_passed"
    # About a source rather than a fact: a feed failing run after run, and back.
    SOURCE_DOWN = "source_down"
    SOURCE_RECOVERED = "source_recovered"


@dataclass(frozen=True)
class Change:
    """What one observation says against the baseline (or against another source).

    details holds the field-level differences, e.g.
    {"value": {"old": "1E+11", "new": "1.5E+11", "relative": "0.5"}}.
    """

    kind: ChangeKind
    observed: Fact
    baseline: Fact | None = None
    other: Fact | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.observed.key

    @property
    def subject(self) -> str:
        return self.observed.subject


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


SEVERITY_RANK: Mapping[Severity, int] = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


@dataclass(frozen=True)
class Source:
    """One article that shows an alert's change."""

    url: str
    outlet: str
    published: date | None
    quote: str
    fact_id: str
    # The article this one reprints (near-duplicate text), when it is a reprint.
    reprint_of: str | None = None


@dataclass(frozen=True)
class Alert:
    """A change worth telling a person about, with all the sources that show it.

    The id is derived from what changed (topic, kind, fact key, observed value),
    so the same change read in ten articles is one alert with ten sources.
    """

    id: str
    topic: str
    kind: ChangeKind
    severity: Severity
    subject: str
    key: str
    summary: str
    baseline_value: str | None
    baseline_quote: str | None
    observed_value: str
    observed_quote: str
    source: Source
    corroborating: tuple[Source, ...] = ()
    acknowledged: bool = False

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source, *self.corroborating)

    @property
    def independent_sources(self) -> int:
        """Sources that are not reprints of another source."""
        return sum(1 for s in self.sources if s.reprint_of is None)


def tracked_id(topic: str, key: str) -> str:
    """Stable id of a tracked fact (all observations of one key in one topic)."""
    return "t_" + hashlib.sha256(f"{topic}|{key}".encode()).hexdigest()[:12]
