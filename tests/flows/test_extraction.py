"""Extraction in worker processes: the same results as in-process, and a page that
kills its worker costs that page only."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

import flows.extraction
from facts.vocabulary import Vocabulary
from flows.config import Topic, load_topic
from flows.extraction import (
    ExtractedPage,
    Extractor,
    PageFailure,
    PageJob,
    PageResult,
    extract_jobs,
)
from tests.conftest import DEMO_TOPIC, REPO

ARTICLES = DEMO_TOPIC / "demo" / "articles"


@pytest.fixture(scope="module")
def topic() -> Topic:
    return load_topic(DEMO_TOPIC)


@pytest.fixture(scope="module")
def jobs() -> list[PageJob]:
    return [
        PageJob(
            url=f"http://127.0.0.1:1/{page.name}",
            feed_url="http://127.0.0.1:1/feed.xml",
            html=page.read_bytes(),
            guid=page.stem,
            title=f"feed title of {page.stem}",
            published=datetime(2025, 12, 6, tzinfo=UTC),
        )
        for page in sorted(ARTICLES.glob("*.html"))
    ]


@pytest.fixture
def extractor() -> Iterator[Extractor]:
    made = Extractor(workers=2, min_pages=3)
    yield made
    made.close()


def test_workers_give_what_in_process_extraction_gives(
    extractor: Extractor, jobs: list[PageJob], topic: Topic
) -> None:
    extractor.start_for(len(jobs))
    assert extractor.uses_processes
    in_workers = extractor.run(jobs[:5], topic.vocabulary) + extractor.run(
        jobs[5:], topic.vocabulary
    )
    assert in_workers == extract_jobs(jobs, topic.vocabulary)
    assert all(isinstance(r, ExtractedPage) for r in in_workers)
    assert sum(len(r.facts) for r in in_workers if isinstance(r, ExtractedPage)) > 20


def test_a_small_run_starts_no_process(extractor: Extractor, jobs: list[PageJob]) -> None:
    extractor.start_for(2)
    assert not extractor.uses_processes
    single = Extractor(workers=1, min_pages=1)
    single.start_for(1000)
    assert not single.uses_processes


def _dies_on_poison(jobs: Sequence[PageJob], vocabulary: Vocabulary) -> list[PageResult]:
    if any("poison" in job.url for job in jobs):
        os._exit(70)  # as a segfault or the OOM killer would: no exception, no cleanup
    return extract_jobs(jobs, vocabulary)


def test_a_page_that_kills_its_worker_costs_that_page_only(
    jobs: list[PageJob], topic: Topic
) -> None:
    extractor = Extractor(workers=2, min_pages=1, work=_dies_on_poison)
    try:
        extractor.start_for(len(jobs))
        poison = PageJob(url="http://127.0.0.1:1/poison.html", feed_url="f", html=b"<p>x</p>")
        batch = [*jobs[:3], poison, *jobs[3:5]]
        results = extractor.run(batch, topic.vocabulary)
        assert [r.url for r in results] == [job.url for job in batch]
        assert results[3] == PageFailure(poison.url, "the page killed its extraction worker")
        assert results[:3] + results[4:] == extract_jobs(batch[:3] + batch[4:], topic.vocabulary)
        # The shared pool was replaced: later batches go to workers again.
        assert extractor.uses_processes
        assert extractor.run(jobs[5:], topic.vocabulary) == extract_jobs(jobs[5:], topic.vocabulary)
    finally:
        extractor.close()


def test_a_failing_fact_extraction_is_that_pages_error(
    monkeypatch: pytest.MonkeyPatch, jobs: list[PageJob], topic: Topic
) -> None:
    def broken(text: str, **_: object) -> list[object]:
        raise ValueError("unexpected input")

    monkeypatch.setattr(flows.extraction, "extract_facts", broken)
    [result] = extract_jobs(jobs[:1], topic.vocabulary)
    assert result == PageFailure(
        jobs[0].url, "fact extraction failed: ValueError: unexpected input"
    )


MAIN = """
import prefect  # a flow run's __main__ (the CLI, Prefect's engine) has Prefect loaded
from flows.config import load_topic
from flows.extraction import Extractor, PageJob
from tests.conftest import DEMO_TOPIC
from tests.flows.extraction_probe import loaded_modules

if __name__ == "__main__":
    extractor = Extractor(workers=2, min_pages=1, work=loaded_modules)
    extractor.start_for(10)
    job = PageJob(url="http://127.0.0.1:1/a", feed_url="f", html=b"<p>x</p>")
    print(extractor.run([job], load_topic(DEMO_TOPIC).vocabulary))
    extractor.close()
"""


def test_workers_do_not_load_the_callers_main(tmp_path: Path) -> None:
    """multiprocessing would import the parent's __main__ in every worker: with a flow
    run's, all of Prefect. The workers load what extraction needs: not Prefect, the
    CLI or storage."""
    script = tmp_path / "main.py"
    script.write_text(MAIN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[PageFailure(url='modules', message='')]"


def test_a_parser_failure_is_that_pages_error(
    monkeypatch: pytest.MonkeyPatch, jobs: list[PageJob], topic: Topic
) -> None:
    def broken(html: bytes, **_: object) -> object:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(flows.extraction, "extract_article", broken)
    [result] = extract_jobs(jobs[:1], topic.vocabulary)
    assert result == PageFailure(
        jobs[0].url, "article extraction failed: OverflowError: date value out of range"
    )


def test_when_no_worker_can_be_started_after_a_crash_the_pages_fail_and_the_run_goes_on(
    jobs: list[PageJob], topic: Topic, monkeypatch: pytest.MonkeyPatch
) -> None:
    extractor = Extractor(workers=2, min_pages=1, work=_dies_on_poison)
    try:
        extractor.start_for(len(jobs))
        assert extractor.uses_processes
        new_pool = Extractor._new_pool

        def cannot_fork(workers: int) -> object:
            raise OSError("fork: out of memory")

        monkeypatch.setattr(Extractor, "_new_pool", staticmethod(cannot_fork))
        poison = PageJob(url="http://127.0.0.1:1/poison.html", feed_url="f", html=b"<p>x</p>")
        results = extractor.run([jobs[0], poison], topic.vocabulary)
        message = "no extraction worker: OSError('fork: out of memory')"
        assert results == [PageFailure(jobs[0].url, message), PageFailure(poison.url, message)]
        assert not extractor.uses_processes  # the rest of the run extracts in-process
        assert extractor.run(jobs[:1], topic.vocabulary) == extract_jobs(jobs[:1], topic.vocabulary)
        monkeypatch.setattr(Extractor, "_new_pool", staticmethod(new_pool))
    finally:
        extractor.close()
