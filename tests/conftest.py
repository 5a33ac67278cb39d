"""Shared fixtures. Prefect is set for offline use before anything imports it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="pledgewatch-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from sqlalchemy import Engine, text  # noqa: E402

from storage import Store, make_engine, migrate  # noqa: E402
from storage.models import Base  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEMO_TOPIC = REPO / "seeds" / "india-russia-summit"
PG_URL = os.environ.get("PLEDGEWATCH_TEST_DATABASE_URL")
PG_SKIP = "PLEDGEWATCH_TEST_DATABASE_URL is unset (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"


def _reset_postgres(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, and the machine's PostgreSQL when set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pledgewatch.db'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    engine = make_engine(PG_URL)
    _reset_postgres(engine)
    engine.dispose()
    yield PG_URL


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    engine = make_engine(database_url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test API for every flow test of the session (it takes ~12 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on 127.0.0.1 itself, not "localhost" (resolved by /etc/hosts)."""
    return ("127.0.0.1", 0)
