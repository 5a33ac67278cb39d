"""The monitor flow through Prefect (one session-wide test API), driven by the CLI
the way a user runs it: `pledgewatch demo`, then `run` against a broken feed."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from flows.cli import app
from storage import RunResult, SavedRun
from tests.conftest import DEMO_TOPIC

pytestmark = pytest.mark.flow


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLEDGEWATCH_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PLEDGEWATCH_DATABASE_URL", raising=False)
    return tmp_path


def _json(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def test_demo_twice_then_explore(prefect_harness: None, env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "10 new articles" in first.stdout
    folder = env / "var" / "reports" / "india-russia-summit"
    assert sorted(p.name for p in folder.iterdir()) == [
        "ledger.html", "run-00001.html", "run-00001.md"
    ]  # fmt: skip
    assert "contradiction" in (folder / "run-00001.md").read_text(encoding="utf-8")
    # Each alert links to its fact's timeline on the ledger page, which has that entry.
    report = (folder / "run-00001.html").read_text(encoding="utf-8")
    ledger = (folder / "ledger.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'href="ledger\.html#(t_[0-9a-f]{12})"', report))
    assert anchors and all(f'id="{a}"' in ledger for a in anchors)

    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert "0 new articles, 0 new facts, 0 new alerts" in second.stdout

    alerts = _json(runner, "alerts", "list", "--format", "json")
    kinds = {a["kind"] for a in alerts}
    assert {"figure_changed", "deadline_moved", "status_changed", "new_commitment",
            "new_figure", "contradiction"} <= kinds  # fmt: skip
    assert len({a["id"] for a in alerts}) == len(alerts)
    facts = _json(runner, "facts", "export", "--format", "json")
    trade = [f for f in facts if f["subject"] == "bilateral trade" and f["unit"] == "USD"]
    assert {f["value"] for f in trade} == {100000000000, 150000000000}
    shown = runner.invoke(app, ["alerts", "show", str(alerts[0]["id"])])
    assert shown.exit_code == 0 and "Sources:" in shown.stdout
    runs = _json(runner, "runs", "list", "--format", "json")
    assert [r["state"] for r in runs] == ["completed", "completed"]


def test_extraction_in_worker_processes_gives_the_same_alerts(
    prefect_harness: None, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's ten articles in batches of three, extracted by two worker processes,
    store what in-process extraction stores."""
    from flows.extraction import Extractor

    runner = CliRunner()
    monkeypatch.setenv("PLEDGEWATCH_EXTRACT_WORKERS", "1")
    assert runner.invoke(app, ["demo"]).exit_code == 0
    in_process = _json(runner, "alerts", "list", "--format", "json")

    pools: list[int] = []
    new_pool = Extractor._new_pool
    monkeypatch.setattr(
        Extractor, "_new_pool", staticmethod(lambda n: pools.append(n) or new_pool(n))
    )
    monkeypatch.setenv("PLEDGEWATCH_DATA_DIR", str(env / "workers"))
    monkeypatch.setenv("PLEDGEWATCH_EXTRACT_WORKERS", "2")
    monkeypatch.setenv("PLEDGEWATCH_EXTRACT_MIN_PAGES", "1")
    monkeypatch.setenv("PLEDGEWATCH_ARTICLE_BATCH_SIZE", "3")
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert pools == [2]
    in_workers = _json(runner, "alerts", "list", "--format", "json")
    assert len(in_workers) >= 7
    assert [a["id"] for a in in_workers] == [a["id"] for a in in_process]


def test_a_run_saves_in_parts_and_a_failed_part_keeps_those_before_it(
    prefect_harness: None, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts of three articles: the first part is saved when the second fails; the next
    run stores the rest (the feed's state was not saved) and ends where one part ends."""
    from storage import Store

    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    whole = _json(runner, "alerts", "list", "--format", "json")

    monkeypatch.setenv("PLEDGEWATCH_DATA_DIR", str(env / "parts"))
    monkeypatch.setenv("PLEDGEWATCH_ARTICLES_PER_PART", "3")
    save_run = Store.save_run
    saves: list[bool] = []

    def second_part_fails(store: Store, result: RunResult) -> SavedRun:
        saves.append(result.final)
        if len(saves) == 2:
            raise OSError("disk full")
        return save_run(store, result)

    monkeypatch.setattr(Store, "save_run", second_part_fails)
    assert runner.invoke(app, ["demo"]).exit_code != 0
    assert saves == [False, False]
    runs = _json(runner, "runs", "list", "--format", "json")
    assert [(r["state"], r["articles_new"]) for r in runs] == [("failed", 3)]

    monkeypatch.setattr(Store, "save_run", save_run)
    assert runner.invoke(app, ["demo"]).exit_code == 0
    runs = _json(runner, "runs", "list", "--format", "json")
    assert [(r["state"], r["articles_new"]) for r in runs] == [("completed", 7), ("failed", 3)]
    parts = _json(runner, "alerts", "list", "--format", "json")
    assert sorted(a["id"] for a in parts) == sorted(a["id"] for a in whole)


def test_run_goes_on_past_a_broken_feed(
    prefect_harness: None, env: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = env / "topic"
    shutil.copytree(DEMO_TOPIC, topic, ignore=shutil.ignore_patterns("demo"))
    good = (DEMO_TOPIC / "demo" / "articles" / "trade-target-raised.html").read_bytes()
    httpserver.expect_request("/article.html").respond_with_data(good, content_type="text/html")
    httpserver.expect_request("/broken.xml").respond_with_data("down", status=503)
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>India and Russia raise trade target</title>
      <link>{httpserver.url_for("/article.html")}</link><guid>x-1</guid></item>
    </channel></rss>"""
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml"
    )
    toml = (topic / "topic.toml").read_text(encoding="utf-8")
    toml = toml.replace(
        'url = "http://127.0.0.1:8765/feed.xml"',
        f'url = "{httpserver.url_for("/broken.xml")}"\n\n[[feeds]]\nname = "good"\n'
        f'url = "{httpserver.url_for("/feed.xml")}"',
    )
    hook = httpserver.url_for("/hook")
    toml = toml.replace(
        "[alerts]\nchannels = []\n",
        f'[[alerts.channels]]\nname = "hook"\ntype = "webhook"\nurl = "{hook}"\n'
        'secret_env = "PLEDGEWATCH_TEST_HOOK_SECRET"\n',
    )
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    monkeypatch.setenv("PLEDGEWATCH_TEST_HOOK_SECRET", "whsec_" + "a2V5a2V5a2V5a2V5" * 2)
    (topic / "topic.toml").write_text(toml, encoding="utf-8")
    monkeypatch.setenv("PLEDGEWATCH_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("PLEDGEWATCH_FEED_RETRIES", "1")
    monkeypatch.setenv("PLEDGEWATCH_RETRY_DELAY_S", "0")

    result = CliRunner().invoke(app, ["run", "--topic", str(topic)])
    assert result.exit_code == 0, result.output
    assert "1 new articles" in result.stdout
    assert "broken.xml" in result.stderr and "503" in result.stderr
    [run] = _json(CliRunner(), "runs", "list", "--format", "json")
    assert (run["state"], run["feeds_fetched"], run["feeds_failed"]) == ("completed", 1, 1)
    kinds = {a["kind"] for a in _json(CliRunner(), "alerts", "list", "--format", "json")}
    assert kinds == {"figure_changed"}
    # The run delivered its alert at its end: one signed POST, recorded as delivered.
    assert "1 delivered" in result.stdout
    [hook_request] = [r for r, _ in httpserver.log if r.path == "/hook"]
    assert hook_request.headers["webhook-signature"].startswith("v1,")
    [delivery] = _json(CliRunner(), "deliveries", "list", "--format", "json")
    assert (delivery["state"], delivery["attempts"]) == ("delivered", 1)
