"""Scaling out, as far as one machine allows: a Prefect server on PostgreSQL, a
process work pool, `pledgewatch deploy`, a deployment run, and a worker in another
process that runs it into the project's database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from flows.serve import local_prefect_server
from storage import Store, make_engine
from tests.conftest import DEMO_TOPIC, PG_SKIP, PG_URL

pytestmark = [pytest.mark.flow, pytest.mark.postgres]
PREFECT_DB = "pledgewatch_prefect_test"


def _prefect_database() -> str:
    """A fresh database for the Prefect server, beside the test database."""
    assert PG_URL is not None
    url = make_url(PG_URL)
    conninfo = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PREFECT_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PREFECT_DB}")
    host = f"{url.username}@{url.host}:{url.port or 5432}"
    return f"postgresql+asyncpg://{host}/{PREFECT_DB}"


def _run(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.skipif(PG_URL is None, reason=PG_SKIP)
def test_deploy_to_a_pool_and_run_through_a_worker(tmp_path: Path, demo_url: str) -> None:
    topic = tmp_path / "topic"
    shutil.copytree(DEMO_TOPIC, topic, ignore=shutil.ignore_patterns("demo"))
    toml = (topic / "topic.toml").read_text(encoding="utf-8")
    (topic / "topic.toml").write_text(
        toml.replace("http://127.0.0.1:8765/feed.xml", f"{demo_url}/feed.xml"), encoding="utf-8"
    )
    database = tmp_path / "pledgewatch.db"
    with local_prefect_server(tmp_path / "server", database_url=_prefect_database()) as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env |= {
            "PREFECT_API_URL": api,
            "PREFECT_HOME": str(tmp_path / "client"),
            "PLEDGEWATCH_DATABASE_URL": f"sqlite:///{database}",
            "PLEDGEWATCH_DATA_DIR": str(tmp_path / "var"),
            "PLEDGEWATCH_ALLOW_PRIVATE_NETWORKS": "true",
        }
        _run(env, "prefect", "work-pool", "create", "test-pool", "--type", "process")
        deployed = _run(env, "flows.cli", "deploy", "--pool", "test-pool", "--topic", str(topic))
        assert "Deployed monitor/india-russia-summit" in deployed
        _run(env, "prefect", "deployment", "run", "monitor/india-russia-summit")
        _run(env, "prefect", "worker", "start", "--pool", "test-pool", "--run-once", timeout=300)
    engine = make_engine(f"sqlite:///{database}")
    try:
        store = Store(engine)
        [run] = store.runs()
        assert run.state == "completed"
        assert store.counts()["articles"] == 10
    finally:
        engine.dispose()
