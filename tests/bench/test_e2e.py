"""bench.e2e end to end on a small corpus: the benchmark itself works, in parts and with
extraction workers, without Prefect and as a flow against a Prefect server it starts,
and its summary line has the agreed shape."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_the_plain_benchmark_runs_in_parts_with_workers() -> None:
    out = _bench(
        "--parts", "plain",
        PLEDGEWATCH_EXTRACT_MIN_PAGES="1", PLEDGEWATCH_EXTRACT_WORKERS="2",
    )  # fmt: skip
    assert "'entries': 20, 'parts': 3, 'articles_new': 20" in out
    assert re.search(r"extraction worker processes: [0-9.]+ s CPU", out)
    assert not re.search(r"extraction worker processes: 0\.00 s CPU", out)
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(
        r"articles/s [0-9.]+; prefect overhead n/a; peak RSS \d+ MB; idle rerun nan s", last
    ), last


def test_the_flow_benchmark_runs_against_a_prefect_server_it_starts(tmp_path: Path) -> None:
    """(b) and (c) as `pledgewatch serve` runs the flow: a Prefect server process on
    127.0.0.1, started and stopped by the benchmark; the same work as (a)."""
    out = _bench(
        "--repeat", "2",
        PREFECT_HOME=str(tmp_path),
        PREFECT_API_URL="http://127.0.0.1:9/api",  # not used: the benchmark starts its own
    )  # fmt: skip
    assert "Prefect server start (not counted)" in out
    assert "(same work in every (a) and (b): yes)" in out
    assert re.search(r"\(b\) monitor: median of 2 runs: [0-9.]+ s", out)
    assert re.search(
        r"\(c\) monitor flow, idle rerun: \{'articles_new': 0, .*'not_modified': 2\}", out
    )
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(
        r"articles/s [0-9.]+; prefect overhead -?\d+%; peak RSS \d+ MB; idle rerun [0-9.]+ s", last
    ), last


def _bench(*args: str, **env: str) -> str:
    """bench.e2e on 20 articles from 2 feeds, in parts of 8; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.e2e", "--articles", "20", "--feeds", "2", *args],
        cwd=REPO, env={**os.environ, "PLEDGEWATCH_ARTICLES_PER_PART": "8", **env},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout
