"""Extraction quality against a labelled corpus: pure scoring, no I/O.

An expected file (tests/data/extraction/NNN-slug.expected.json) lists the
figures, commitments and deadlines an annotator read in one article. Scoring
follows the corpus conventions:

- a figure matches when the extracted figure's evidence sentence contains the
  expected ``sentence`` substring, its unit is equal and its value is equal
  (exactly for an integral expected value, else within 0.5% relative: "a
  third" is annotated 33.33). Matching is one-to-one and greedy, in the
  annotation's order; every extracted figure counts for precision, so noise
  costs.
- deadlines are compared as sets per article: every deadline of every
  extracted fact against the ``deadlines`` list.
- a commitment is found when an extracted commitment's evidence sentence
  contains its ``sentence`` (one-to-one); "status right" is the share of found
  commitments whose status is the expected one.
- subjects (figures and commitments) are reported, not gated: the annotators
  name untracked subjects freely.

Counts add up over articles (micro averages), so a long article weighs more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from facts.model import Fact, FactKind

# Relative tolerance for non-integral expected values ("a third" = 33.33).
VALUE_TOLERANCE = Decimal("0.005")

FAMILIES = ("money", "percent", "count", "quantity", "duration", "multiple", "other")
_FAMILY_OF_UNIT = {
    **dict.fromkeys(("USD", "INR", "RUB", "EUR", "GBP", "CNY"), "money"),
    "percent": "percent",
    "count": "count",
    "people": "count",
    **dict.fromkeys(("bpd", "tonnes", "W", "km"), "quantity"),
    **dict.fromkeys(("years", "months", "days"), "duration"),
    "multiple": "multiple",
}
SPLITS = ("tune", "heldout")


def unit_family(unit: str | None) -> str:
    """money, percent, count (count and people), quantity, duration, multiple or other."""
    return _FAMILY_OF_UNIT.get(unit or "", "other")


@dataclass(frozen=True)
class Tally:
    """matched of predicted (precision) and of expected (recall), one-to-one."""

    matched: int = 0
    predicted: int = 0
    expected: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.matched + other.matched,
            self.predicted + other.predicted,
            self.expected + other.expected,
        )

    # Nothing expected and nothing predicted is perfect; otherwise an empty
    # denominator scores 0, so an empty extraction cannot pass a gate.
    @property
    def precision(self) -> float:
        if self.predicted == 0:
            return 1.0 if self.expected == 0 else 0.0
        return self.matched / self.predicted

    @property
    def recall(self) -> float:
        if self.expected == 0:
            return 1.0 if self.predicted == 0 else 0.0
        return self.matched / self.expected

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


@dataclass(frozen=True)
class Share:
    """right of total; an empty share is 0 (nothing found, nothing right)."""

    right: int = 0
    total: int = 0

    def __add__(self, other: Share) -> Share:
        return Share(self.right + other.right, self.total + other.total)

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0


@dataclass(frozen=True)
class StatusTally:
    """One status: expected commitments with it, how many were found, how many
    of those were given it, and how many extracted commitments carry it."""

    expected: int = 0
    found: int = 0
    right: int = 0
    predicted: int = 0

    def __add__(self, other: StatusTally) -> StatusTally:
        return StatusTally(
            self.expected + other.expected,
            self.found + other.found,
            self.right + other.right,
            self.predicted + other.predicted,
        )


def _add_maps(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] + v if k in out else v
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Score:
    """Counts for one article or many (they add up)."""

    articles: int = 0
    figures: Tally = Tally()
    figure_families: Mapping[str, Tally] = field(default_factory=dict)
    figure_subjects: Share = Share()
    deadlines: Tally = Tally()
    commitments: Tally = Tally()
    commitment_status: Share = Share()
    commitment_statuses: Mapping[str, StatusTally] = field(default_factory=dict)
    commitment_subjects: Share = Share()

    def __add__(self, other: Score) -> Score:
        return Score(
            articles=self.articles + other.articles,
            figures=self.figures + other.figures,
            figure_families=_add_maps(self.figure_families, other.figure_families),
            figure_subjects=self.figure_subjects + other.figure_subjects,
            deadlines=self.deadlines + other.deadlines,
            commitments=self.commitments + other.commitments,
            commitment_status=self.commitment_status + other.commitment_status,
            commitment_statuses=_add_maps(self.commitment_statuses, other.commitment_statuses),
            commitment_subjects=self.commitment_subjects + other.commitment_subjects,
        )

    def gate_metrics(self) -> dict[str, float]:
        """The numbers the quality gate holds floors for (tests/data/extraction/floors.json)."""
        return {
            "figures_f1": self.figures.f1,
            "commitments_found": self.commitments.recall,
            "commitments_status_right": self.commitment_status.rate,
            "deadlines_f1": self.deadlines.f1,
        }


@dataclass(frozen=True)
class Errors:
    """What one article got wrong, for reading rather than counting."""

    missed_figures: tuple[Mapping[str, Any], ...] = ()
    spurious_figures: tuple[Fact, ...] = ()
    wrong_figure_subjects: tuple[tuple[Mapping[str, Any], Fact], ...] = ()
    missed_commitments: tuple[Mapping[str, Any], ...] = ()
    spurious_commitments: tuple[Fact, ...] = ()
    wrong_statuses: tuple[tuple[Mapping[str, Any], Fact], ...] = ()
    missed_deadlines: tuple[str, ...] = ()
    spurious_deadlines: tuple[str, ...] = ()
    # Expected sentences that are not in the article at all: annotation errors.
    not_in_text: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleScore:
    name: str
    split: str
    score: Score
    errors: Errors


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        # Through str: a JSON float 33.33 is the decimal 33.33, not its binary neighbour.
        return Decimal(str(value))
    except InvalidOperation:
        return None


def value_matches(expected: Any, got: Decimal | None) -> bool:
    """Exact for an integral expected value, else within VALUE_TOLERANCE relative."""
    want = _decimal(expected)
    if want is None or got is None:
        return want is None and got is None
    if want == want.to_integral_value():
        return got == want
    return abs(got - want) <= abs(want) * VALUE_TOLERANCE


def _same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").lower().split()) == " ".join((b or "").lower().split())


def _pair(
    expected: Sequence[Mapping[str, Any]],
    extracted: Sequence[Fact],
    fits: Any,
    prefer: Any,
) -> list[tuple[Mapping[str, Any], Fact | None]]:
    """Greedy one-to-one pairing in the annotation's order; among the facts that
    fit, the first that ``prefer``s the expected item wins, else the first."""
    free = list(range(len(extracted)))
    pairs: list[tuple[Mapping[str, Any], Fact | None]] = []
    for item in expected:
        fitting = [i for i in free if fits(item, extracted[i])]
        chosen = next((i for i in fitting if prefer(item, extracted[i])), None)
        if chosen is None and fitting:
            chosen = fitting[0]
        if chosen is not None:
            free.remove(chosen)
        pairs.append((item, extracted[chosen] if chosen is not None else None))
    return pairs


def _figure_fits(item: Mapping[str, Any], fact: Fact) -> bool:
    return (
        str(item["sentence"]) in fact.evidence.quote
        and fact.unit == item.get("unit")
        and value_matches(item.get("value"), fact.value)
    )


def _commitment_fits(item: Mapping[str, Any], fact: Fact) -> bool:
    return str(item["sentence"]) in fact.evidence.quote


def score_article(
    text: str,
    expected: Mapping[str, Any],
    facts: Sequence[Fact],
    *,
    name: str = "",
) -> ArticleScore:
    """Score the facts extracted from one article against its expected dict."""
    exp_figures: list[Mapping[str, Any]] = list(expected.get("figures") or [])
    exp_commitments: list[Mapping[str, Any]] = list(expected.get("commitments") or [])
    got_figures = [f for f in facts if f.kind is FactKind.FIGURE]
    got_commitments = [f for f in facts if f.kind is FactKind.COMMITMENT]

    figure_pairs = _pair(
        exp_figures,
        got_figures,
        _figure_fits,
        lambda item, fact: _same_text(item.get("subject"), fact.subject),
    )
    matched_figures = [(item, fact) for item, fact in figure_pairs if fact is not None]
    used = {id(fact) for _, fact in matched_figures}
    families: dict[str, Tally] = {}
    for item in exp_figures:
        fam = unit_family(item.get("unit"))
        families[fam] = families.get(fam, Tally()) + Tally(expected=1)
    for fact in got_figures:
        fam = unit_family(fact.unit)
        hit = 1 if id(fact) in used else 0
        families[fam] = families.get(fam, Tally()) + Tally(matched=hit, predicted=1)

    commitment_pairs = _pair(
        exp_commitments,
        got_commitments,
        _commitment_fits,
        lambda item, fact: fact.status is not None and fact.status.value == item.get("status"),
    )
    found = [(item, fact) for item, fact in commitment_pairs if fact is not None]
    statuses: dict[str, StatusTally] = {}
    for item, paired in commitment_pairs:
        status = str(item.get("status"))
        right = paired is not None and paired.status is not None and paired.status.value == status
        statuses[status] = statuses.get(status, StatusTally()) + StatusTally(
            expected=1, found=int(paired is not None), right=int(right)
        )
    for fact in got_commitments:
        status = fact.status.value if fact.status else "none"
        statuses[status] = statuses.get(status, StatusTally()) + StatusTally(predicted=1)
    status_right = [
        (item, fact)
        for item, fact in found
        if fact.status is not None and fact.status.value == item.get("status")
    ]

    want_deadlines = {str(d) for d in expected.get("deadlines") or []}
    got_deadlines = {f.deadline for f in facts if f.deadline}

    score = Score(
        articles=1,
        figures=Tally(len(matched_figures), len(got_figures), len(exp_figures)),
        figure_families=dict(sorted(families.items())),
        figure_subjects=Share(
            sum(_same_text(i.get("subject"), f.subject) for i, f in matched_figures),
            len(matched_figures),
        ),
        deadlines=Tally(
            len(want_deadlines & got_deadlines), len(got_deadlines), len(want_deadlines)
        ),
        commitments=Tally(len(found), len(got_commitments), len(exp_commitments)),
        commitment_status=Share(len(status_right), len(found)),
        commitment_statuses=dict(sorted(statuses.items())),
        commitment_subjects=Share(
            sum(_same_text(i.get("subject"), f.subject) for i, f in found), len(found)
        ),
    )
    used_commitments = {id(fact) for _, fact in found}
    errors = Errors(
        missed_figures=tuple(item for item, fact in figure_pairs if fact is None),
        spurious_figures=tuple(f for f in got_figures if id(f) not in used),
        wrong_figure_subjects=tuple(
            (i, f) for i, f in matched_figures if not _same_text(i.get("subject"), f.subject)
        ),
        missed_commitments=tuple(item for item, fact in commitment_pairs if fact is None),
        spurious_commitments=tuple(f for f in got_commitments if id(f) not in used_commitments),
        wrong_statuses=tuple(
            (i, f) for i, f in found if f.status is None or f.status.value != i.get("status")
        ),
        missed_deadlines=tuple(sorted(want_deadlines - got_deadlines)),
        spurious_deadlines=tuple(sorted(got_deadlines - want_deadlines)),
        not_in_text=tuple(
            dict.fromkeys(
                str(item["sentence"])
                for item in (*exp_figures, *exp_commitments)
                if str(item["sentence"]) not in text
            )
        ),
    )
    return ArticleScore(name, str(expected.get("split") or ""), score, errors)


def aggregate(scores: Iterable[ArticleScore]) -> Score:
    total = Score()
    for article in scores:
        total = total + article.score
    return total


def by_split(scores: Sequence[ArticleScore]) -> dict[str, Score]:
    """One Score per split present (tune, heldout), then "all" over every article."""
    out = {s: aggregate(a for a in scores if a.split == s) for s in SPLITS}
    out = {s: score for s, score in out.items() if score.articles}
    out["all"] = aggregate(scores)
    return out


def missed_floors(score: Score, floors: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """metric -> (reached, floor) for every floor the score falls below."""
    reached = score.gate_metrics()
    return {
        name: (reached.get(name, 0.0), float(floor))
        for name, floor in floors.items()
        if reached.get(name, 0.0) < float(floor)
    }
