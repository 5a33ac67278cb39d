"""`pledgewatch eval`: the extraction quality table and its JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from flows.evaluation import DEFAULT_CORPUS

runner = CliRunner()


def test_eval_table_shows_each_split_and_the_floors() -> None:
    result = runner.invoke(app, ["eval"])
    assert result.exit_code == 0, result.output
    for word in ("tune", "heldout", "all", "figures F1", "commitments found", "floor"):
        assert word in result.output


def test_eval_json_for_one_split() -> None:
    result = runner.invoke(app, ["eval", "--split", "tune", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data["splits"]) == ["tune", "all"]
    assert data["splits"]["tune"]["articles"] == 17
    assert {a["split"] for a in data["articles"]} == {"tune"}
    assert set(data["splits"]["all"]["gate"]) == set(data["floors"])


def test_eval_of_a_corpus_copy(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(DEFAULT_CORPUS.glob("001-*")):
        shutil.copy(path, corpus / path.name)
    result = runner.invoke(app, ["eval", "--corpus", str(corpus), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["splits"]["all"]["articles"] == 1


def test_eval_refuses_an_empty_corpus_and_a_bad_floors_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "--corpus", str(tmp_path)])
    assert result.exit_code == 2 and "no articles" in " ".join(result.output.split())
    for path in sorted(DEFAULT_CORPUS.glob("001-*")):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "floors.json").write_text('{"figures_f2": 0.9}', encoding="utf-8")
    result = runner.invoke(app, ["eval", "--corpus", str(tmp_path)])
    assert result.exit_code == 2 and "figures_f2" in " ".join(result.output.split())
