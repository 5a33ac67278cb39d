"""Run the extractor over the labelled corpus and score it (facts.evaluation).

The corpus is a folder of ``NNN-slug.txt`` articles, each beside its
``NNN-slug.expected.json`` (see tests/data/extraction/README.md). Reading files
and loading the topic happen here; the scoring itself is pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.table import Table

from facts.evaluation import (
    ArticleScore,
    Errors,
    Score,
    Share,
    Tally,
    by_split,
    missed_floors,
    score_article,
)
from facts.extract import extract_facts
from facts.model import Fact
from flows.config import ConfigError, load_topic

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT / "tests" / "data" / "extraction"
DEFAULT_TOPIC = REPO_ROOT / "seeds" / "india-russia-summit"
FLOORS_FILE = "floors.json"


class EvalSplit(StrEnum):
    tune = "tune"
    heldout = "heldout"
    all = "all"


SPLIT_CHOICES = tuple(s.value for s in EvalSplit)
GATE_METRICS = tuple(Score().gate_metrics())


@dataclass(frozen=True)
class CorpusArticle:
    name: str  # "001-summit-agreements-wire"
    text: str
    expected: Mapping[str, Any]

    @property
    def split(self) -> str:
        return str(self.expected.get("split") or "")


@dataclass(frozen=True)
class Evaluation:
    """Per-article scores and their sums by split ("tune", "heldout", "all")."""

    articles: tuple[ArticleScore, ...]
    splits: Mapping[str, Score]
    floors: Mapping[str, float]

    @property
    def total(self) -> Score:
        return self.splits["all"]

    def missed_floors(self) -> dict[str, tuple[float, float]]:
        return missed_floors(self.total, self.floors)


def load_corpus(folder: Path = DEFAULT_CORPUS, split: str = "all") -> list[CorpusArticle]:
    """Every article of the folder (of one split unless ``split`` is "all"), by name."""
    if split not in SPLIT_CHOICES:
        raise ValueError(f"split must be one of {', '.join(SPLIT_CHOICES)}, not {split!r}")
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such corpus folder")
    articles = []
    for path in sorted(folder.glob("*.expected.json")):
        name = path.name.removesuffix(".expected.json")
        text_path = folder / f"{name}.txt"
        try:
            expected = json.loads(path.read_text(encoding="utf-8"))
            text = text_path.read_text(encoding="utf-8")
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        article = CorpusArticle(name, text, expected)
        if split == "all" or article.split == split:
            articles.append(article)
    if not articles:
        # Nothing scored would read as a perfect score.
        raise ConfigError(f"{folder}: no articles (NNN-slug.expected.json) of split {split!r}")
    return articles


def load_floors(folder: Path = DEFAULT_CORPUS) -> dict[str, float]:
    """The gate's floors (metric -> minimum), or none when the folder has no floors.json."""
    path = folder / FLOORS_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected an object of metric: floor")
    floors = {}
    for key, value in data.items():
        if key.startswith("_"):  # "_comment" and the like
            continue
        if key not in GATE_METRICS:
            raise ConfigError(f"{path}: unknown metric {key!r} ({', '.join(GATE_METRICS)})")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigError(f"{path}: {key} must be a number from 0 to 1")
        floors[key] = float(value)
    return floors


def evaluate(
    corpus: Path = DEFAULT_CORPUS, topic: Path = DEFAULT_TOPIC, split: str = "all"
) -> Evaluation:
    """Extract every article of the corpus with the topic's vocabulary and score it."""
    vocabulary = load_topic(topic).vocabulary
    scores = []
    for article in load_corpus(corpus, split):
        published = article.expected.get("published")
        facts = extract_facts(
            article.text,
            url=f"eval:{article.name[:3]}",
            outlet=str(article.expected.get("outlet") or ""),
            published=date.fromisoformat(published) if published else None,
            vocabulary=vocabulary,
        )
        scores.append(score_article(article.text, article.expected, facts, name=article.name))
    return Evaluation(tuple(scores), by_split(scores), load_floors(corpus))


def to_json(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "splits": {name: score_to_dict(score) for name, score in evaluation.splits.items()},
        "floors": dict(evaluation.floors),
        "missed_floors": {
            k: {"reached": round(r, 4), "floor": f}
            for k, (r, f) in evaluation.missed_floors().items()
        },
        "articles": [
            {
                "name": a.name,
                "split": a.split,
                "score": score_to_dict(a.score),
                "errors": errors_to_dict(a.errors),
            }
            for a in evaluation.articles
        ],
    }


def _tally_dict(t: Tally) -> dict[str, Any]:
    return {
        "matched": t.matched,
        "predicted": t.predicted,
        "expected": t.expected,
        "precision": round(t.precision, 4),
        "recall": round(t.recall, 4),
        "f1": round(t.f1, 4),
    }


def _share_dict(s: Share) -> dict[str, Any]:
    return {"right": s.right, "total": s.total, "rate": round(s.rate, 4)}


def score_to_dict(score: Score) -> dict[str, Any]:
    """A JSON-ready view of a Score, with the ratios worked out."""
    return {
        "articles": score.articles,
        "gate": {k: round(v, 4) for k, v in score.gate_metrics().items()},
        "figures": _tally_dict(score.figures),
        "figures_by_family": {k: _tally_dict(v) for k, v in score.figure_families.items()},
        "figure_subjects": _share_dict(score.figure_subjects),
        "deadlines": _tally_dict(score.deadlines),
        "commitments": _tally_dict(score.commitments),
        "commitment_status": _share_dict(score.commitment_status),
        "commitments_by_status": {
            k: {
                "expected": v.expected,
                "found": v.found,
                "right": v.right,
                "predicted": v.predicted,
            }
            for k, v in score.commitment_statuses.items()
        },
        "commitment_subjects": _share_dict(score.commitment_subjects),
    }


def _fact_brief(fact: Fact) -> dict[str, Any]:
    return {
        "sentence": fact.evidence.quote,
        "value": str(fact.value) if fact.value is not None else None,
        "unit": fact.unit,
        "subject": fact.subject,
        "status": fact.status.value if fact.status else None,
        "deadline": fact.deadline,
    }


def errors_to_dict(errors: Errors) -> dict[str, Any]:
    """A JSON-ready view of what an article got wrong."""
    return {
        "missed_figures": [dict(i) for i in errors.missed_figures],
        "spurious_figures": [_fact_brief(f) for f in errors.spurious_figures],
        "wrong_figure_subjects": [
            {"expected": i.get("subject"), "got": f.subject, "sentence": i["sentence"]}
            for i, f in errors.wrong_figure_subjects
        ],
        "missed_commitments": [dict(i) for i in errors.missed_commitments],
        "spurious_commitments": [_fact_brief(f) for f in errors.spurious_commitments],
        "wrong_statuses": [
            {
                "expected": i.get("status"),
                "got": f.status.value if f.status else None,
                "sentence": i["sentence"],
            }
            for i, f in errors.wrong_statuses
        ],
        "missed_deadlines": list(errors.missed_deadlines),
        "spurious_deadlines": list(errors.spurious_deadlines),
        "not_in_text": list(errors.not_in_text),
    }


def _pct(x: float) -> str:
    return f"{x * 100:.1f}"


Row = tuple[str, str, str]  # key (unique), label, cell


def _tally_rows(key: str, t: Tally) -> list[Row]:
    return [
        (f"{key}.f1", f"{key} F1", _pct(t.f1)),
        (f"{key}.p", "  precision", f"{_pct(t.precision)}  {t.matched}/{t.predicted}"),
        (f"{key}.r", "  recall", f"{_pct(t.recall)}  {t.matched}/{t.expected}"),
    ]


def _rows(score: Score) -> list[Row]:
    rows: list[Row] = [("articles", "articles", str(score.articles))]
    rows += _tally_rows("figures", score.figures)
    for family, ft in score.figure_families.items():
        cell = f"{_pct(ft.f1)}  {ft.matched}/{ft.predicted}/{ft.expected}"
        rows.append((f"family.{family}", f"  {family} F1", cell))
    s = score.figure_subjects
    rows.append(("figures.subject", "  subject right*", f"{_pct(s.rate)}  {s.right}/{s.total}"))
    rows += _tally_rows("deadlines", score.deadlines)
    c = score.commitments
    rows.append(("c.found", "commitments found", f"{_pct(c.recall)}  {c.matched}/{c.expected}"))
    rows.append(("c.p", "  precision", f"{_pct(c.precision)}  {c.matched}/{c.predicted}"))
    st = score.commitment_status
    rows.append(("c.status", "  status right", f"{_pct(st.rate)}  {st.right}/{st.total}"))
    for status, t in score.commitment_statuses.items():
        cell = f"{t.found}/{t.expected}, right {t.right} of {t.predicted}"
        rows.append((f"status.{status}", f"  {status}", cell))
    cs = score.commitment_subjects
    rows.append(("c.subject", "  subject right*", f"{_pct(cs.rate)}  {cs.right}/{cs.total}"))
    return rows


def render_table(evaluation: Evaluation, title: str = "Extraction quality") -> Table:
    """One column per split present, then "all"; per cent, with counts."""
    names: Sequence[str] = list(evaluation.splits)
    if len(names) == 2:  # one split only: its column and "all" say the same
        names = [names[0]]
    table = Table(
        title=title,
        caption=(
            "family rows: matched/extracted/expected; status rows: found/expected, right of "
            "extracted; * not gated"
        ),
    )
    table.add_column("metric", no_wrap=True)
    for name in names:
        table.add_column(name, no_wrap=True)
    cells = {n: {key: cell for key, _, cell in _rows(evaluation.splits[n])} for n in names}
    # "all" has every row any split has (a family or status seen anywhere), in order.
    for key, label, _ in _rows(evaluation.total):
        table.add_row(label, *(cells[n].get(key, "-") for n in names))
    gate = evaluation.total.gate_metrics()
    missed = evaluation.missed_floors()
    for metric, floor in evaluation.floors.items():
        mark = "MISSED" if metric in missed else "ok"
        verdict = f"{_pct(gate[metric])} >= {_pct(floor)} {mark}"
        table.add_row(f"floor {metric}", *([""] * (len(names) - 1)), verdict)
    return table
