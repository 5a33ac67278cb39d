"""`pledgewatch serve`: the monitor on a schedule.

Prefect cannot schedule against its serverless local API ("Cannot schedule flows
on an ephemeral server"), so where no server is configured (PREFECT_API_URL
unset) this starts one on 127.0.0.1 with its own home and SQLite database, waits
until /api/health answers, serves, and stops it on Ctrl-C or SIGTERM. Where a
server is configured it is used as it is.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from flows.config import PREFECT_OFFLINE, ConfigError, Topic

# The server the project starts for `serve` needs no web UI.
_SERVER_ENV = {**PREFECT_OFFLINE, "PREFECT_UI_ENABLED": "false"}


class ServerStartError(RuntimeError):
    """The local Prefect server did not become healthy."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def local_prefect_server(
    home: Path,
    *,
    port: int | None = None,
    timeout_s: float = 120,
    database_url: str | None = None,
) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1; yields its API URL; stops it on exit.

    database_url (postgresql+asyncpg://...) puts the server's own database on
    PostgreSQL; by default it is SQLite under ``home``.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {**os.environ, **_SERVER_ENV, "PREFECT_HOME": str(home)}
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C in the terminal reaches us; we stop it ourselves
        preexec_fn=_die_with_parent,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(api, process, timeout_s, home / "server.log")
        yield api
    finally:
        _stop(process)
        log.close()


def _die_with_parent() -> None:
    """In the server's process: be sent SIGTERM when the process that started it dies,
    even by SIGKILL, so no server outlives its `pledgewatch serve` (Linux prctl)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _wait_healthy(api: str, process: subprocess.Popen[bytes], timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"prefect server exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise ServerStartError(f"prefect server not healthy after {timeout_s:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's whole process group (it may run workers of its own),
    then SIGKILL whatever is left after 20 s."""
    for sig, wait_s in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure no member of its group outlives it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        break


def schedule_of(topic: Topic, interval_s: float | None) -> dict[str, object]:
    """serve() keyword arguments for the topic's schedule, or the --interval override."""
    if interval_s is not None:
        return {"interval": timedelta(seconds=interval_s)}
    schedule = topic.config.schedule
    if schedule.cron:
        return {"cron": schedule.cron}
    if schedule.interval_minutes:
        return {"interval": timedelta(minutes=schedule.interval_minutes)}
    raise ConfigError(
        f"{topic.directory / 'topic.toml'}: [schedule] has neither interval_minutes nor cron; "
        "set one or pass --interval"
    )


def serve_topic(topic: Topic, *, interval_s: float | None, prefect_home: Path) -> None:
    """Serve the monitor for one topic until Ctrl-C or SIGTERM."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.monitor import monitor

    schedule = schedule_of(topic, interval_s)
    deployment = {
        "name": topic.name,
        "parameters": {"topic_dir": str(topic.directory)},
        "limit": 1,  # and the topic lock in storage, for runs started elsewhere
        "pause_on_shutdown": False,
        **schedule,
    }
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        monitor.serve(**deployment)  # type: ignore[arg-type]
        return
    with local_prefect_server(prefect_home) as api, temporary_settings({PREFECT_API_URL: api}):
        os.environ["PREFECT_API_URL"] = api  # the runner's flow-run subprocesses read it
        try:
            monitor.serve(**deployment)  # type: ignore[arg-type]
        finally:
            os.environ.pop("PREFECT_API_URL", None)


def deploy_topics(topics: list[Topic], *, pool: str, source: Path) -> list[str]:
    """Register one deployment of the monitor per topic on a work pool.

    Workers started with `prefect worker start --pool POOL` on any machine that has
    this project at ``source`` run them. Needs a Prefect server (PREFECT_API_URL).
    """
    if not os.environ.get("PREFECT_API_URL"):
        raise ConfigError("PREFECT_API_URL is not set: deployments need a Prefect server")
    from flows.monitor import monitor

    names = []
    for topic in topics:
        flow = monitor.from_source(source=str(source), entrypoint="flows/monitor.py:monitor")
        flow.deploy(  # type: ignore[union-attr]
            name=topic.name,
            work_pool_name=pool,
            parameters={"topic_dir": str(topic.directory)},
            print_next_steps=False,
            **schedule_of(topic, None),  # type: ignore[arg-type]
        )
        names.append(f"monitor/{topic.name}")
    return names
