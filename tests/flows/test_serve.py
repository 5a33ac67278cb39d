"""`pledgewatch serve` with no Prefect server configured: it starts one on 127.0.0.1,
runs the monitor on a short interval, and stops everything on SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import Store, make_engine, migrate
from tests.conftest import DEMO_TOPIC

pytestmark = pytest.mark.flow


def test_serve_runs_on_schedule_and_stops_cleanly(tmp_path: Path, demo_url: str) -> None:
    topic = tmp_path / "topic"
    shutil.copytree(DEMO_TOPIC, topic, ignore=shutil.ignore_patterns("demo"))
    toml = (topic / "topic.toml").read_text(encoding="utf-8")
    (topic / "topic.toml").write_text(
        toml.replace("http://127.0.0.1:8765/feed.xml", f"{demo_url}/feed.xml"), encoding="utf-8"
    )
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {
        "PLEDGEWATCH_DATA_DIR": str(data),
        "PLEDGEWATCH_ALLOW_PRIVATE_NETWORKS": "true",
        "PREFECT_HOME": str(tmp_path / "prefect-client"),
    }
    env.pop("PLEDGEWATCH_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--topic", str(topic), "--interval", "4"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    engine = None
    try:
        deadline = time.monotonic() + 240
        completed: list[int] = []
        while time.monotonic() < deadline and len(completed) < 2:
            time.sleep(2)
            assert proc.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
            if (data / "pledgewatch.db").exists():
                engine = engine or make_engine(f"sqlite:///{data / 'pledgewatch.db'}")
                migrate(engine)
                completed = [r.id for r in Store(engine).runs() if r.state == "completed"]
        assert len(completed) >= 2, (tmp_path / "serve.log").read_text(errors="replace")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert engine is not None
        store = Store(engine)
        counts = store.counts()
        assert counts["articles"] == 10  # stored once, whatever the number of runs
        alert_ids = [a.id for a in store.alerts()]
        assert len(alert_ids) == len(set(alert_ids)) >= 6
        # The server it started is gone with it.
        assert (data / "prefect-server" / "server.log").exists()
        leftover = subprocess.run(
            ["pgrep", "-f", "prefect server start --host 127.0.0.1"], capture_output=True
        )
        assert leftover.stdout == b"", leftover.stdout
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # lets serve stop the server it started
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        if engine is not None:
            engine.dispose()
