"""End to end: the monitor over a synthetic corpus served on 127.0.0.1.

    python -m bench.e2e --articles 1000 [--feeds 10] [--seed 2025] [--parts plain,prefect]
                        [--prefect-api server|ephemeral] [--repeat N]

In one process, on fresh SQLite databases in a temporary folder:

(a) plain: the monitor's plan without Prefect (flows.steps, as tests/flows/conftest.py
    run_pipeline, with the flow's batches of PLEDGEWATCH_ARTICLE_BATCH_SIZE articles),
    timed per stage;
(b) prefect: the `monitor` flow, after a trivial flow; by default against a Prefect
    server on 127.0.0.1 that this command starts, as `pledgewatch serve` runs it
    (--prefect-api ephemeral: Prefect's serverless mode instead); start-ups are
    reported apart and not counted;
(c) idle: `monitor` again with nothing new (every feed answers 304).

--repeat N runs (a) and (b) N times each, each on a fresh database, and summarises
their medians: single runs on 2 cores vary by 10% or more.

The corpus (bench/corpus.py) is written and served by a separate process, so the
server's CPU does not share this process's GIL; its CPU time is reported. Peak RSS
is this process's resource.getrusage maxrss (the corpus server and Prefect's API
server are other processes; the latter's is reported apart).
The last line is the summary:
articles/s N; prefect overhead P%; peak RSS M MB; idle rerun T s
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.corpus import CorpusSpec, CorpusStats, feed_path, outlet_of, write_corpus

REPO = Path(__file__).resolve().parents[1]
SEED_TOPIC = REPO / "seeds" / "india-russia-summit"
MAX_ENTRIES_PER_FEED = 500  # PLEDGEWATCH_MAX_ENTRIES_PER_FEED's default
BATCHES_IN_FLIGHT = 4  # flows/monitor.py: ThreadPoolTaskRunner(max_workers=4)
_TICKS = os.sysconf("SC_CLK_TCK")


# --- measuring ------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def proc_cpu_s(pid: int) -> float:
    """utime + stime of another process, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def proc_cpu_with_children_s(pid: int) -> float:
    """utime + stime of a process and of its children that it has reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / _TICKS


def is_forkserver(pid: int) -> bool:
    try:
        return b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def machine_busy_s() -> float:
    """CPU seconds every process on the machine has used (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICKS


def proc_peak_rss_mb(pid: int) -> float:
    try:
        found = re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0.0
    return int(found.group(1)) / 1024 if found else 0.0


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@dataclass
class Stage:
    wall_s: float = 0.0  # exclusive, in the thread that called it (0 for pool threads)
    cpu_s: float = 0.0  # exclusive thread CPU, every thread
    calls: int = 0


class Stages:
    """Exclusive wall and CPU time per pipeline stage, from wrapped functions.

    Each wrapped call pushes a frame on its thread's stack; a call's time minus
    that of the wrapped calls inside it goes to its stage, so nothing is counted
    twice. Calls in other threads (the batches, fetch_pages' pool) add CPU only:
    their wall time overlaps the main thread's.
    """

    def __init__(self) -> None:
        self.stages: dict[str, Stage] = {}
        self._local = threading.local()
        self._lock = threading.Lock()

    def _stack(self) -> list[list[Any]]:
        stack: list[list[Any]] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def wrap(self, fn: Callable[..., Any], stage: str | Callable[..., str]) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            stack = self._stack()
            parent = stack[-1][0] if stack else None
            name = stage(parent, kwargs) if callable(stage) else stage
            frame = [name, 0.0, 0.0]  # stage, children's wall, children's CPU
            stack.append(frame)
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                stack.pop()
                if stack:
                    stack[-1][1] += wall
                    stack[-1][2] += cpu
                # Wall time only in the main thread: elsewhere it overlaps the main
                # thread's own (the batches' line in (a)).
                counts_wall = threading.current_thread() is threading.main_thread()
                with self._lock:
                    st = self.stages.setdefault(name, Stage())
                    st.wall_s += (wall - frame[1]) if counts_wall else 0.0
                    st.cpu_s += cpu - frame[2]
                    st.calls += 1

        return timed

    @contextmanager
    def time(self, name: str) -> Iterator[None]:
        """Time a block of the main thread (glue between the wrapped calls)."""
        with self._lock:
            self.stages.setdefault(name, Stage())
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            st = self.stages[name]
            st.wall_s += time.perf_counter() - wall
            st.cpu_s += time.thread_time() - cpu

    @property
    def wall_s(self) -> float:
        return sum(s.wall_s for s in self.stages.values())

    @property
    def cpu_s(self) -> float:
        return sum(s.cpu_s for s in self.stages.values())


def _fetch_stage(parent: str | None, kwargs: dict[str, Any]) -> str:
    return FEEDS_HTTP if parent == FEEDS_HTTP else PAGES_HTTP


def _task_stage(parent: str | None, kwargs: dict[str, Any]) -> str:
    return f"{PREFECT_TASKS}: {getattr(kwargs.get('task'), 'name', '?')}"


SETUP = "set-up (engine, migrations)"
FEEDS_HTTP = "fetch feeds: HTTP"
FEEDS_PARSE = "fetch feeds: feedparser"
SELECT = "select new entries"
PAGES_HTTP = "fetch pages: HTTP"
HTML = "article text from HTML"
FACTS = "extract facts"
FINGERPRINTS = "fingerprints (sha256, simhash)"
RECORDS = "article records"
WORKERS = "waiting for extraction workers"
BATCHES = "fetch + extract: waiting for the batches"
COMPARE = "compare (match, compare, alerts)"
STORE = "store (one transaction)"
DELIVER = "deliver"
REPORT = "report"
GLUE = "other (topic, run row, glue)"
PREFECT_FLOW = "Prefect: flow engine and flow body"
PREFECT_TASKS = "Prefect: task engine"


@contextmanager
def instrumented(stages: Stages) -> Iterator[None]:
    """Wrap the pipeline's functions where flows.steps and flows.monitor call them."""
    from flows import delivery, extraction, steps
    from flows.extraction import Extractor
    from storage import Store

    targets: list[tuple[Any, str, str | Callable[..., str]]] = [
        (steps, "build_runtime", SETUP),
        (steps, "fetch_feed", FEEDS_HTTP),
        (steps, "fetch", _fetch_stage),
        (steps, "parse_feed", FEEDS_PARSE),
        (steps, "select_new_entries", SELECT),
        (steps, "fetch_pages", PAGES_HTTP),
        (steps, "extract_pages", RECORDS),
        (Extractor, "_submit", WORKERS),
        # In-process extraction (a run below extract_min_pages, or one worker): in
        # worker processes these wrappers see nothing, and the workers' CPU is
        # reported apart.
        (extraction, "extract_article", HTML),
        (extraction, "extract_facts", FACTS),
        (extraction, "simhash", FINGERPRINTS),
        (steps, "compare_from_store", COMPARE),
        (Store, "save_run", STORE),
        (delivery, "deliver_due", DELIVER),
        (steps, "report_data", REPORT),
        (steps, "write_report", REPORT),
    ]
    if "flows.monitor" in sys.modules:
        import prefect.flow_engine
        import prefect.task_engine

        # its deliver-alerts task calls its own name
        targets.append((sys.modules["flows.monitor"], "deliver_due", DELIVER))
        # Prefect's engines around the pipeline's calls: their exclusive time is
        # Prefect's own work in the flow's and the tasks' threads.
        targets.append((prefect.task_engine, "run_task_sync", _task_stage))
        targets.append((prefect.flow_engine, "run_flow_sync", PREFECT_FLOW))
    originals = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in targets]
    for obj, attr, stage in targets:
        setattr(obj, attr, stages.wrap(getattr(obj, attr), stage))
    try:
        yield
    finally:
        for obj, attr, fn in originals:
            setattr(obj, attr, fn)


@dataclass
class Phase:
    name: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    server_cpu_s: float = 0.0  # the corpus server
    prefect_api_cpu_s: float = 0.0
    workers_cpu_s: float = 0.0  # extraction workers and their forkserver
    others_cpu_s: float = 0.0  # every other process on the machine
    rss_after_mb: float = 0.0
    workers_peak_rss_mb: float = 0.0  # the largest extraction worker's
    counts: dict[str, int] = field(default_factory=dict)


class Meter:
    """Wall, this process's CPU, the corpus server's and Prefect's API server's CPU."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.phases: list[Phase] = []

    def prefect_api_pids(self) -> list[int]:
        return [p for p in children(os.getpid()) if p != self.server_pid and not is_forkserver(p)]

    @staticmethod
    def extraction_pids() -> tuple[list[int], list[int]]:
        """(forkserver, its live children: the extraction workers)."""
        servers = [p for p in children(os.getpid()) if is_forkserver(p)]
        return servers, [w for s in servers for w in children(s)]

    def extraction_cpu_s(self) -> float:
        """The forkserver's CPU, with its reaped workers', and the live workers'."""
        servers, workers = self.extraction_pids()
        return sum(proc_cpu_with_children_s(p) for p in servers) + sum(
            proc_cpu_s(p) for p in workers
        )

    @contextmanager
    def phase(self, name: str) -> Iterator[Phase]:
        gc.collect()
        phase = Phase(name)
        api = self.prefect_api_pids()
        api_cpu = sum(proc_cpu_s(p) for p in api)
        server_cpu = proc_cpu_s(self.server_pid)
        workers_cpu = self.extraction_cpu_s()
        busy = machine_busy_s()
        cpu = cpu_s()
        start = time.perf_counter()
        # Workers exit when the run closes its runtime: their peak RSS is sampled live.
        stop = threading.Event()
        sampler = threading.Thread(target=self._sample_workers, args=(phase, stop), daemon=True)
        sampler.start()
        yield phase
        stop.set()
        sampler.join()
        phase.wall_s = time.perf_counter() - start
        phase.cpu_s = cpu_s() - cpu
        phase.server_cpu_s = proc_cpu_s(self.server_pid) - server_cpu
        api_after = self.prefect_api_pids()
        # A Prefect API server started in this phase counts from 0.
        phase.prefect_api_cpu_s = sum(proc_cpu_s(p) for p in api_after) - api_cpu
        phase.workers_cpu_s = self.extraction_cpu_s() - workers_cpu
        ours = phase.cpu_s + phase.server_cpu_s + phase.prefect_api_cpu_s + phase.workers_cpu_s
        phase.others_cpu_s = max(0.0, machine_busy_s() - busy - ours)
        phase.rss_after_mb = peak_rss_mb()
        self.phases.append(phase)

    def _sample_workers(self, phase: Phase, stop: threading.Event) -> None:
        while not stop.wait(0.25):
            _, workers = self.extraction_pids()
            for pid in workers:
                phase.workers_peak_rss_mb = max(phase.workers_peak_rss_mb, proc_peak_rss_mb(pid))

    def background(self, wait_s: float = 0, quiet_cores: float = 0.2) -> float:
        """Cores used by other processes over 2 s; waits up to ``wait_s`` for them
        to fall under ``quiet_cores``."""
        deadline = time.monotonic() + wait_s
        while True:
            busy, cpu, server = machine_busy_s(), cpu_s(), proc_cpu_s(self.server_pid)
            time.sleep(2)
            ours = cpu_s() - cpu + proc_cpu_s(self.server_pid) - server
            cores = max(0.0, machine_busy_s() - busy - ours) / 2
            if cores < quiet_cores or time.monotonic() > deadline:
                return cores

    def wait_for_prefect_api(self, quiet_cpu_s: float = 0.05, limit_s: float = 60) -> float:
        """Seconds until Prefect's API server uses under ``quiet_cpu_s`` CPU in 0.5 s."""
        start = time.perf_counter()
        pids = self.prefect_api_pids()
        while time.perf_counter() - start < limit_s:
            before = sum(proc_cpu_s(p) for p in pids)
            time.sleep(0.5)
            if sum(proc_cpu_s(p) for p in pids) - before < quiet_cpu_s:
                break
        return time.perf_counter() - start


@contextmanager
def prefect_api(kind: str, tmp: Path, meter: Meter) -> Iterator[None]:
    """The Prefect API the flow runs against. "server": a `prefect server start`
    process on 127.0.0.1, as `pledgewatch serve` starts and as deployments' workers
    use (its start-up is a phase of its own, not counted); "ephemeral": Prefect's
    serverless mode, as a one-off `pledgewatch run` without PREFECT_API_URL. The
    latter starts its server from this process, importing Prefect's server modules
    here (about 58 MB of this process's RSS; docs/benchmarks.md). A PREFECT_API_URL
    from the environment is not used (offline_env removes it)."""
    if kind == "ephemeral":
        yield
        return
    with ExitStack() as stack:
        with meter.phase("Prefect server start (not counted)"):
            from prefect.settings import PREFECT_API_URL, temporary_settings

            from flows.serve import local_prefect_server

            url = stack.enter_context(local_prefect_server(tmp / "prefect-server"))
        stack.enter_context(temporary_settings({PREFECT_API_URL: url}))
        os.environ["PREFECT_API_URL"] = url
        try:
            yield
        finally:
            os.environ.pop("PREFECT_API_URL", None)


# --- set-up ---------------------------------------------------------------------------


def offline_env(tmp: Path) -> None:
    """Prefect offline and quiet, its home in ``tmp``; loopback feeds allowed."""
    os.environ["PREFECT_HOME"] = str(tmp / "prefect-home")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "90"
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    os.environ["PLEDGEWATCH_ALLOW_PRIVATE_NETWORKS"] = "true"
    os.environ["PLEDGEWATCH_DATA_DIR"] = str(tmp / "var")
    os.environ.pop("PLEDGEWATCH_DATABASE_URL", None)
    os.environ.pop("PREFECT_API_URL", None)  # the benchmark picks its Prefect API itself


@contextmanager
def corpus_server(root: Path) -> Iterator[tuple[str, int]]:
    """bench.corpus's server in its own process; yields (base URL, pid)."""
    root.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.corpus", "serve", str(root)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"corpus server did not start (said {base_url!r})")
        yield base_url, proc.pid
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_topic(folder: Path, base_url: str, feeds: int) -> Path:
    """seeds/india-russia-summit with its [[feeds]] pointing at the corpus server."""
    shutil.copytree(SEED_TOPIC, folder, ignore=shutil.ignore_patterns("demo"))
    toml = (folder / "topic.toml").read_text(encoding="utf-8")
    block = "".join(
        f'[[feeds]]\nname = "bench-{f:03d}"\nurl = "{base_url}{feed_path(f)}"\n\n'
        for f in range(feeds)
    )
    toml, n = re.subn(r'\[\[feeds\]\]\nname = "[^"]*"\nurl = "[^"]*"\n\n', block, toml)
    if n != 1:
        raise RuntimeError(f"{SEED_TOPIC / 'topic.toml'}: expected one [[feeds]] block, found {n}")
    (folder / "topic.toml").write_text(toml, encoding="utf-8")
    return folder


# --- (a) the plan without Prefect -----------------------------------------------------


def run_plain(topic_dir: Path, settings: Any, stages: Stages) -> dict[str, int]:
    """flows.monitor's plan, step by step, without Prefect: tests/flows/conftest.py
    run_pipeline, but in the flow's parts and batches, as many batches at once as the
    flow runs, and with delivery and the report."""
    from alerts import SmtpChannel, WebhookChannel
    from flows import delivery, steps
    from flows.config import load_baseline_facts, load_topic
    from flows.heap import part_done, run_heap

    topic = load_topic(topic_dir)
    baseline = load_baseline_facts(topic)
    rt = steps.build_runtime(settings)
    try:
        with run_heap():  # as flows/monitor.py runs
            run_id = rt.store.start_run(topic.name, lease_s=rt.settings.run_lease_s)
            states = rt.store.feed_states(topic.name)
            fetches = steps.fetch_feeds(rt, topic.config.feeds, states)
            entries = steps.select_new_entries(rt, topic, fetches)
            rt.extractor.start_for(len(entries))
            size = rt.settings.article_batch_size
            health = steps.feed_health(states, fetches)
            channels = delivery.channel_policies(topic)
            parts = steps.parts(entries, rt.settings.articles_per_part)
            tally = steps.RunTally()
            changes = contradictions = 0

            def fetch_and_extract(batch: list[Any]) -> Any:
                return steps.extract_pages(topic, steps.fetch_pages(rt, batch), rt.extractor)

            # As the flow runs them: four batches at once (flows/monitor.py's task runner),
            # the next part's batches going while a part is compared and saved.
            with ThreadPoolExecutor(max_workers=BATCHES_IN_FLIGHT) as threads:

                def submit(part: list[Any]) -> list[Any]:
                    return [threads.submit(fetch_and_extract, part[i : i + size])
                            for i in range(0, len(part), size)]  # fmt: skip

                pending = submit(parts[0])
                for number in range(1, len(parts) + 1):
                    final = number == len(parts)
                    with stages.time(BATCHES):
                        extracted = [f.result() for f in pending]
                    pending = [] if final else submit(parts[number])
                    comparison = steps.compare_from_store(
                        rt.store, topic, baseline, extracted, health if final else [], final=final
                    )
                    result = steps.run_result(
                        run_id, topic, fetches if final else [], extracted, comparison, channels,
                        final=final,
                    )  # fmt: skip
                    tally.add(result, comparison, rt.store.save_run(result))
                    kinds = [c.kind.value for c in comparison.changes]
                    changes += len(kinds)
                    contradictions += kinds.count("contradiction")
                    del extracted, comparison, result
                    if not final:
                        part_done()
            delivery.deliver_due(
                topic,
                rt.store,
                rt.outbox,
                delivery.Senders(SmtpChannel(), WebhookChannel(rt.client)),
                allow_private_networks=rt.settings.allow_private_networks,
                lease_s=rt.settings.delivery_lease_s,
            )
            data = steps.report_data(
                rt, topic, tally.alert_ids, tally.confirmations, [f.outcome for f in fetches],
                tally.errors, tally.saved,
            )  # fmt: skip
            steps.write_report(rt, topic, run_id, data)
    finally:
        rt.close()
    return {
        "entries": len(entries),
        "parts": len(parts),
        "articles_new": tally.saved.articles_new,
        "facts_new": tally.saved.facts_new,
        "changes": changes,
        "contradictions": contradictions,
        "alerts_new": tally.saved.alerts_new,
        "errors": len(tally.errors),
        "not_modified": sum(1 for f in fetches if f.outcome.status == "not_modified"),
    }


def monitor_counts(outcome: Any, database_url: str) -> dict[str, int]:
    if outcome is None:
        raise RuntimeError("the monitor skipped its run (another run held the topic)")
    from sqlalchemy import func, select

    from storage import make_engine
    from storage.models import FeedRow

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            not_modified = conn.scalar(
                select(func.count()).where(FeedRow.last_status == "not_modified")
            )
    finally:
        engine.dispose()
    return {
        "articles_new": outcome.saved.articles_new,
        "facts_new": outcome.saved.facts_new,
        "alerts_new": outcome.saved.alerts_new,
        "errors": len(outcome.errors),
        "not_modified": int(not_modified or 0),
    }


# --- report ---------------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        found = re.search(r"Model name:\s*(.+)", out)
        model = found.group(1).strip() if found else ""
    except OSError:
        pass
    model = model or platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


ORDER = [SETUP, FEEDS_HTTP, FEEDS_PARSE, SELECT, BATCHES, PAGES_HTTP, WORKERS, HTML, FACTS,
         FINGERPRINTS, RECORDS, COMPARE, STORE, DELIVER, REPORT]  # fmt: skip


def print_plain_stages(stages: Stages, phase: Phase, articles: int) -> None:
    """Wall time where the main thread spent it (the batches' stages overlap in their
    threads: their wall is inside the batches' line), CPU in every thread."""
    wall_s = phase.wall_s
    glue = wall_s - stages.wall_s
    print(f"  {'stage':<40} {'wall s':>8} {'ms/article':>11} {'share':>7} {'CPU s':>7}")
    for name in ORDER:
        st = stages.stages.get(name, Stage())
        per = st.wall_s / articles * 1000
        wall = f"{st.wall_s:8.2f} {per:11.2f} {st.wall_s / wall_s:7.1%}" if st.wall_s else " " * 28
        print(f"  {name:<40} {wall} {st.cpu_s:7.2f}")
    print(f"  {GLUE:<40} {glue:8.2f} {glue / articles * 1000:11.2f} {glue / wall_s:7.1%}")
    print(f"  {'total':<40} {wall_s:8.2f} {wall_s / articles * 1000:11.2f}")
    print(
        f"  extraction worker processes: {phase.workers_cpu_s:.2f} s CPU "
        f"({phase.workers_cpu_s / articles * 1000:.2f} ms/article), largest peak RSS "
        f"{phase.workers_peak_rss_mb:.0f} MB"
    )


def print_flow_stages(stages: Stages, phase: Phase, articles: int) -> None:
    print(f"  {'stage':<40} {'CPU s':>8} {'ms/article':>11}")
    pipeline = 0.0
    for name in ORDER:
        st = stages.stages.get(name, Stage())
        pipeline += st.cpu_s
        print(f"  {name:<40} {st.cpu_s:8.2f} {st.cpu_s / articles * 1000:11.2f}")
    print(f"  {'pipeline code, all threads':<40} {pipeline:8.2f}")
    for name, st in sorted(stages.stages.items(), key=lambda kv: -kv[1].cpu_s):
        if name.startswith("Prefect"):
            per = st.cpu_s / articles * 1000
            print(f"  {name:<40} {st.cpu_s:8.2f} {per:11.2f}  ({st.calls} runs)")
    rest = phase.cpu_s - stages.cpu_s
    label = "the rest (background threads, GC, ...)"
    print(f"  {label:<40} {rest:8.2f} {rest / articles * 1000:11.2f}")
    print(f"  {'this process':<40} {phase.cpu_s:8.2f}  in {phase.wall_s:.2f} s wall")
    print(
        f"  {'extraction worker processes':<40} {phase.workers_cpu_s:8.2f} "
        f"{phase.workers_cpu_s / articles * 1000:11.2f}  (largest peak RSS "
        f"{phase.workers_peak_rss_mb:.0f} MB)"
    )


def print_idle_stages(title: str, stages: Stages, phase: Phase) -> None:
    """The stages that took 10 ms of CPU or more, on one line."""
    busy = sorted(stages.stages.items(), key=lambda kv: -kv[1].cpu_s)
    parts = [f"{name} {st.cpu_s:.2f}" for name, st in busy if st.cpu_s >= 0.01]
    print(f"\n{title}: {phase.wall_s:.2f} s wall, {phase.cpu_s:.2f} s CPU; CPU s by stage:")
    print("  " + "; ".join(parts))


def print_phases(phases: list[Phase]) -> None:
    print(
        f"  {'phase':<36} {'wall s':>7} {'CPU s':>6} {'cores':>5} {'server':>6} "
        f"{'Prefect':>7} {'workers':>7} {'others':>6} {'peak RSS':>9}"
    )
    for p in phases:
        print(
            f"  {p.name:<36} {p.wall_s:7.2f} {p.cpu_s:6.2f} {p.cpu_s / p.wall_s:5.2f} "
            f"{p.server_cpu_s:6.2f} {p.prefect_api_cpu_s:7.2f} {p.workers_cpu_s:7.2f} "
            f"{p.others_cpu_s:6.2f} {p.rss_after_mb:6.0f} MB"
        )
    print(
        "  (CPU s: this process; server: the corpus server's CPU s; Prefect: its API "
        "server's;\n   workers: the extraction workers' and their forkserver's; others: "
        "every other\n   process on the machine; peak RSS: this process's, so far)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument(
        "--feeds",
        type=int,
        default=None,
        help=f"default 10, or more so that no feed has over {MAX_ENTRIES_PER_FEED} entries",
    )
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--parts", default="plain,prefect", help="plain, prefect or both")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="S",
        help="wait up to S seconds for other processes to leave the CPUs idle",
    )
    parser.add_argument(
        "--prefect-api",
        choices=("server", "ephemeral"),
        default="server",
        help="run the flow against a Prefect server on 127.0.0.1 (as `pledgewatch serve`; "
        "the default) or Prefect's ephemeral API (as a one-off run without PREFECT_API_URL)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run (a) and (b) N times each, on fresh databases, and summarise their medians",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.parts.split(",")}
    if not parts <= {"plain", "prefect"} or not parts:
        parser.error("--parts takes plain, prefect or plain,prefect")
    feeds = args.feeds or max(10, math.ceil(args.articles / MAX_ENTRIES_PER_FEED))
    if args.articles % feeds:
        parser.error(f"--articles ({args.articles}) must be a multiple of --feeds ({feeds})")
    spec = CorpusSpec(feeds=feeds, entries=args.articles // feeds, seed=args.seed)
    if spec.entries > MAX_ENTRIES_PER_FEED:
        parser.error(f"at most {MAX_ENTRIES_PER_FEED} entries per feed: use more --feeds")

    tmp = Path(tempfile.mkdtemp(prefix="pledgewatch-e2e-"))
    offline_env(tmp)
    print(f"machine: {machine()}")
    print(f"temporary folder: {tmp}{'' if args.keep else ' (removed at the end)'}")
    try:
        with corpus_server(tmp / "corpus") as (base_url, server_pid):
            run(args, parts, spec, tmp, base_url, server_pid)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def run(
    args: argparse.Namespace,
    parts: set[str],
    spec: CorpusSpec,
    tmp: Path,
    base_url: str,
    server_pid: int,
) -> None:
    n = spec.articles
    start = time.perf_counter()
    stats: CorpusStats = write_corpus(spec, tmp / "corpus", base_url, workers=os.cpu_count() or 1)
    outlets = ", ".join(outlet_of(f) for f in range(min(spec.feeds, 3)))
    print(
        f"corpus: {spec.feeds} feeds x {spec.entries} entries ({outlets}, ...), {stats.pages} "
        f"pages of {stats.min_page / 1024:.0f}-{stats.max_page / 1024:.0f} KB (mean "
        f"{stats.page_bytes / stats.pages / 1024:.0f} KB; {stats.stored_bytes / 2**20:.0f} MB "
        f"gzipped), written in {time.perf_counter() - start:.1f} s; served gzipped at {base_url}"
    )
    topic_dir = make_topic(tmp / "topic", base_url, spec.feeds)
    meter = Meter(server_pid)
    others = meter.background(args.wait_quiet)
    print(f"other processes used {others:.2f} cores before the start (sampled over 2 s)")

    with meter.phase("imports (flows.steps and the rooms)"):
        from flows.config import Settings

    def overrides(name: str) -> dict[str, Any]:
        # Plain JSON, as `monitor` takes them; the rest comes from PLEDGEWATCH_*.
        return {
            "data_dir": str(tmp / name),
            "database_url": f"sqlite:///{tmp / name / 'pledgewatch.db'}",
            "allow_private_networks": True,
        }

    repeat = max(1, args.repeat)

    def tag(i: int) -> str:
        return f" [{i + 1}/{repeat}]" if repeat > 1 else ""

    # Each repetition starts from an empty database of its own.
    for i in range(repeat):
        for name in ("plain", "prefect"):
            (tmp / f"{name}-{i}").mkdir()
    plains: list[Phase] = []
    flows: list[Phase] = []
    idle = None
    startup = 0.0
    if "plain" in parts:
        for i in range(repeat):
            stages = Stages()
            with instrumented(stages), meter.phase(f"(a) plain, no Prefect{tag(i)}") as plain:
                plain.counts = run_plain(topic_dir, Settings(**overrides(f"plain-{i}")), stages)
            plains.append(plain)
        print("\n(a) the monitor's plan without Prefect, per stage (the last run):")
        print_plain_stages(stages, plain, n)
        print(f"  work: {plain.counts}")
        idle_stages = Stages()
        last = overrides(f"plain-{repeat - 1}")
        with instrumented(idle_stages), meter.phase("(a') plain, idle rerun") as phase:
            phase.counts = run_plain(topic_dir, Settings(**last), idle_stages)
        print_idle_stages("(a') idle rerun without Prefect", idle_stages, phase)

    if "prefect" in parts:
        with prefect_api(args.prefect_api, tmp, meter):
            with meter.phase("import prefect and flows.monitor"):
                from prefect import flow

                from flows.monitor import monitor

            @flow(name="bench-warm-up")
            def warm_up() -> int:
                return 1

            with meter.phase("Prefect start-up (trivial flow)") as phase:
                warm_up()
            startup = phase.wall_s
            for i in range(repeat):
                settings = overrides(f"prefect-{i}")
                url = Settings(**settings).resolved_database_url()
                flow_stages = Stages()
                with instrumented(flow_stages), meter.phase(f"(b) monitor flow{tag(i)}") as prefect:
                    outcome = monitor(str(topic_dir), settings=settings)
                    prefect.counts = monitor_counts(outcome, url)
                flows.append(prefect)
                busy = meter.wait_for_prefect_api()
            print("\n(b) the monitor flow: CPU per stage, summed over threads (the last run):")
            print_flow_stages(flow_stages, prefect, n)
            print(f"  Prefect's API server stayed busy {busy:.1f} s after the flow returned")
            idle_stages = Stages()
            with instrumented(idle_stages), meter.phase("(c) monitor flow, idle rerun") as idle:
                outcome = monitor(str(topic_dir), settings=settings)
                idle.counts = monitor_counts(outcome, url)
            print_idle_stages("(c) idle rerun of the monitor flow", idle_stages, idle)
            api = meter.prefect_api_pids()
            api_rss = max((proc_peak_rss_mb(p) for p in api), default=0.0)
            print(f"  Prefect's API server (a separate process): peak RSS {api_rss:.0f} MB")

    print("\nphases:")
    print_phases(meter.phases)
    for p in meter.phases:
        if p.counts:
            print(f"  {p.name}: {p.counts}")

    print()
    plain_s = _median([p.wall_s for p in plains])
    flow_s = _median([p.wall_s for p in flows])
    runs = "median of " + str(repeat) + " runs: " if repeat > 1 else ""
    if plains:
        walls = ", ".join(f"{p.wall_s:.2f}" for p in plains)
        print(f"(a) plain: {runs}{plain_s:.2f} s, {n / plain_s:.1f} articles/s ({walls} s)")
    overhead = float("nan")
    if flows and idle is not None:
        print(f"Prefect start-up (not counted): {startup:.2f} s")
        walls = ", ".join(f"{p.wall_s:.2f}" for p in flows)
        print(f"(b) monitor: {runs}{flow_s:.2f} s, {n / flow_s:.1f} articles/s ({walls} s)")
        if plains:
            overhead = (flow_s - plain_s) / flow_s
            keys = ("articles_new", "facts_new", "alerts_new")
            same = all(a.counts[k] == b.counts[k] for a in plains for b in flows for k in keys)
            print(
                f"Prefect overhead (b - a) / b: {overhead:.1%}"
                f" (same work in every (a) and (b): {'yes' if same else 'NO'})"
            )
        print(f"(c) idle rerun: {idle.wall_s:.2f} s")
    rss = peak_rss_mb()
    workers_rss = max((p.workers_peak_rss_mb for p in meter.phases), default=0.0)
    print(f"peak RSS of this process: {rss:.0f} MB; of the largest extraction worker: "
          f"{workers_rss:.0f} MB")  # fmt: skip
    timed = flow_s if flows else plain_s
    aps = n / timed
    idle_s = idle.wall_s if idle is not None else float("nan")
    share = "n/a" if math.isnan(overhead) else f"{overhead:.0%}"
    print(
        f"articles/s {aps:.1f}; prefect overhead {share}; peak RSS {rss:.0f} MB; "
        f"idle rerun {idle_s:.1f} s"
    )


if __name__ == "__main__":
    main()
