"""Runs against faults, through the real CLI in other processes (Prefect's test API):
two runs of a topic at once store nothing twice; a run killed at any point leaves
the database consistent and the next run finishes the work."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from storage import Store, make_engine, migrate
from tests.conftest import DEMO_TOPIC

pytestmark = pytest.mark.flow
ARTICLES = 4


@pytest.fixture
def slow_site(httpserver: HTTPServer) -> str:
    """A feed of on-topic articles whose pages take 0.8 s each to arrive."""
    page = (DEMO_TOPIC / "demo" / "articles" / "trade-target-raised.html").read_text()
    items = "".join(
        f"<item><title>India and Russia, part {i}</title>"
        f"<link>{httpserver.url_for(f'/a{i}.html')}</link><guid>g-{i}</guid></item>"
        for i in range(ARTICLES)
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>',
        content_type="application/rss+xml",
    )

    def slow(request: Request) -> Response:
        time.sleep(0.8)
        body = page.replace("trade-target-raised", request.path.strip("/").removesuffix(".html"))
        return Response(body, content_type="text/html")

    for i in range(ARTICLES):
        httpserver.expect_request(f"/a{i}.html").respond_with_handler(slow)
    return httpserver.url_for("/feed.xml")


@pytest.fixture
def setup(
    prefect_harness: None, tmp_path: Path, slow_site: str
) -> Iterator[tuple[Path, dict[str, str]]]:
    from prefect.settings import PREFECT_API_URL

    topic = tmp_path / "topic"
    shutil.copytree(DEMO_TOPIC, topic, ignore=shutil.ignore_patterns("demo"))
    toml = (topic / "topic.toml").read_text(encoding="utf-8")
    (topic / "topic.toml").write_text(
        toml.replace("http://127.0.0.1:8765/feed.xml", slow_site), encoding="utf-8"
    )
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PLEDGEWATCH_DATA_DIR": str(tmp_path / "var"),
        "PLEDGEWATCH_ALLOW_PRIVATE_NETWORKS": "true",
        "PLEDGEWATCH_FETCH_WORKERS": "1",  # one page at a time: a run lasts ~4 s
    }
    env.pop("PLEDGEWATCH_DATABASE_URL", None)
    yield topic, env


def _run(topic: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--topic", str(topic)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _store(env: dict[str, str]) -> Store:
    engine = make_engine(f"sqlite:///{env['PLEDGEWATCH_DATA_DIR']}/pledgewatch.db")
    migrate(engine)
    return Store(engine)


def test_two_runs_at_once_store_nothing_twice(setup: tuple[Path, dict[str, str]]) -> None:
    topic, env = setup
    first = _run(topic, env)
    time.sleep(0.5)
    second = _run(topic, env)
    outputs = [p.communicate(timeout=120)[0] for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    assert sum("Skipped" in out for out in outputs) == 1, outputs
    store = _store(env)
    assert store.counts()["articles"] == ARTICLES
    assert [r.state for r in store.runs()] == ["completed"]
    store.engine.dispose()


@pytest.mark.parametrize("kill_after_s", [1.5, 3.5])
def test_a_run_killed_midway_is_finished_by_the_next(
    setup: tuple[Path, dict[str, str]], kill_after_s: float
) -> None:
    topic, env = setup
    env = {**env, "PLEDGEWATCH_RUN_LEASE_S": "2"}  # a dead run's lock lapses quickly
    victim = _run(topic, env)
    time.sleep(kill_after_s)
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    store = _store(env)
    partial = store.counts()
    assert partial["articles"] in (0, ARTICLES)  # all of a run's results, or none
    time.sleep(2.5)  # past the dead run's lease
    finisher = _run(topic, env)
    out = finisher.communicate(timeout=120)[0]
    assert finisher.returncode == 0, out
    after = store.counts()
    assert after["articles"] == ARTICLES
    alert_ids = [a.id for a in store.alerts()]
    assert len(alert_ids) == len(set(alert_ids))
    states = [r.state for r in store.runs()]
    assert states[0] == "completed"
    assert set(states[1:]) <= {"crashed"}
    store.engine.dispose()
