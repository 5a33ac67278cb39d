"""Article text and facts from fetched pages, in worker processes when a run is large.

Parsing a page and extracting its facts is CPU work in Python: under one GIL a run
uses one core however many threads it has. A run with more pages than
``Settings.extract_min_pages`` hands its batches to a pool of worker processes
(one per core by default) while its threads go on fetching; a small run (the demo,
most scheduled runs) extracts in-process and starts no process.

Workers come from a forkserver that preloads only this module and what it imports
(ingest and facts). multiprocessing would also have each worker
import the parent's ``__main__`` (the CLI, or Prefect's engine in a served or
deployed run: all of Prefect, about 2 s of CPU and 100 MB a worker), so workers are
launched while ``__main__`` is a bare module (``_bare_main``); they start in
milliseconds and hold no copy of Prefect.

A page that kills its worker (a crash in a parser, the kernel's OOM killer) is
recorded as that page's error, and the batch's other pages are extracted again one
by one in a pool of their own; the next run retries the page (it was not stored).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import sys
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from facts.extract import extract_facts
from facts.model import Fact
from facts.syndication import simhash
from facts.vocabulary import Vocabulary

# Not storage (SQLAlchemy, Alembic): workers import this module, and need neither.
from ingest import ArticleContent, ArticleParseError, extract_article

__all__ = ["ExtractedPage", "Extractor", "PageFailure", "PageJob", "PageResult", "extract_jobs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageJob:
    """A fetched page and what its feed entry said: all a worker needs."""

    url: str
    feed_url: str
    html: bytes
    guid: str | None = None
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class ExtractedPage:
    """One page's article, fingerprints and facts, as a worker sends them back."""

    url: str
    content: ArticleContent
    content_hash: str
    simhash: int
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class PageFailure:
    """A page that gave no article; the message names what went wrong."""

    url: str
    message: str


PageResult = ExtractedPage | PageFailure


def extract_page(job: PageJob, vocabulary: Vocabulary) -> PageResult:
    """One page's article and facts, or why there are none."""
    try:
        content = extract_article(
            job.html, url=job.url, fallback_title=job.title, fallback_published=job.published
        )
    except ArticleParseError as exc:
        return PageFailure(job.url, str(exc))
    except Exception as exc:  # a parser bug on one odd page never stops the run
        log.exception("reading the article of %s failed", job.url)
        return PageFailure(job.url, f"article extraction failed: {type(exc).__name__}: {exc}")
    try:
        facts = extract_facts(
            content.text,
            url=job.url,
            outlet=content.outlet,
            published=content.published.date() if content.published else None,
            vocabulary=vocabulary,
        )
    except Exception as exc:  # one page's text never stops the run: record it, go on
        log.exception("extracting facts from %s failed", job.url)
        return PageFailure(job.url, f"fact extraction failed: {type(exc).__name__}: {exc}")
    return ExtractedPage(
        url=job.url,
        content=content,
        content_hash=hashlib.sha256(content.text.encode()).hexdigest(),
        simhash=simhash(content.text),
        facts=tuple(facts),
    )


def extract_jobs(jobs: Sequence[PageJob], vocabulary: Vocabulary) -> list[PageResult]:
    """extract_page over a batch: the unit of work sent to a worker."""
    return [extract_page(job, vocabulary) for job in jobs]


def _ready() -> int:
    return os.getpid()


def _start_together(barrier: threading.Barrier) -> None:
    """Each worker's first step: wait until all the pool's workers exist, so that
    none is idle (and reused) before the last is launched."""
    # Launches take milliseconds. A sibling that died starting never arrives: the
    # others give up after 10 s, and the pool, broken, falls back as run() says.
    with suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=10)


Work = Callable[[Sequence[PageJob], Vocabulary], list[PageResult]]
_PRELOAD = [__name__]


def _context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    # Without this the forkserver imports the caller's __main__ (the CLI, Prefect).
    context.set_forkserver_preload(_PRELOAD)
    return context


_LAUNCH = threading.Lock()


@contextmanager
def _bare_main() -> Iterator[None]:
    """``__main__`` as an empty module while workers are launched.

    multiprocessing's spawn preparation (which forkserver children run too) re-imports
    the parent's main module by name or path; an empty ``__main__`` gives it nothing to
    import. The swap lasts the few milliseconds that forking the workers takes.
    """
    with _LAUNCH:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class Extractor:
    """Runs ``work`` (extract_jobs) on batches of pages: in-process, or in a pool of
    ``workers`` processes once ``start_for`` has been told of a run large enough.

    Safe to call from several threads at once (the flow's task threads do).
    """

    def __init__(self, workers: int, min_pages: int, work: Work = extract_jobs) -> None:
        self.workers = workers
        self.min_pages = min_pages
        self._work = work
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._starting: threading.Thread | None = None

    @property
    def uses_processes(self) -> bool:
        self._wait_for_start()
        return self._pool is not None

    def start_for(self, pages: int) -> None:
        """Start the workers, in the background, if a run of ``pages`` pages is worth
        them: they start (the forkserver's imports take about a second the first time
        in a process) while the run fetches its first pages."""
        if self.workers < 2 or pages < self.min_pages:
            return
        with self._lock:
            if self._pool is None and self._starting is None:
                self._starting = threading.Thread(
                    target=self._start, name="pledgewatch-extract-start", daemon=True
                )
                self._starting.start()

    def _start(self) -> None:
        try:
            pool = self._new_pool(self.workers)
        except Exception:  # no workers is slower, not wrong: extract in-process
            log.exception("could not start extraction workers; extracting in-process")
            return
        with self._lock:
            self._pool = pool
        log.info("extracting in %d worker processes", self.workers)

    def _wait_for_start(self) -> None:
        starting = self._starting
        if starting is not None:
            starting.join()

    def run(self, jobs: Sequence[PageJob], vocabulary: Vocabulary) -> list[PageResult]:
        """Each job's result, in the order given."""
        self._wait_for_start()
        pool = self._pool
        if pool is None or not jobs:
            return self._work(jobs, vocabulary)
        try:
            return self._submit(pool, jobs, vocabulary)
        except BrokenProcessPool:
            log.warning("an extraction worker died; extracting %d pages one by one", len(jobs))
            self._replace(pool)
            return self._one_by_one(jobs, vocabulary)

    def _submit(
        self, pool: ProcessPoolExecutor, jobs: Sequence[PageJob], vocabulary: Vocabulary
    ) -> list[PageResult]:
        return pool.submit(self._work, list(jobs), vocabulary).result()

    def close(self) -> None:
        self._wait_for_start()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _new_pool(workers: int) -> ProcessPoolExecutor:
        """A pool with all its workers running. The executor launches a new worker for
        a submit while none is idle, up to ``workers``, and none after that (no worker
        retires); workers wait for each other before taking work. So these submits
        launch them all, inside ``_bare_main``."""
        context = _context()
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_together,
            initargs=(context.Barrier(workers),),
        )
        with _bare_main():
            ready = [pool.submit(_ready) for _ in range(workers)]
        for future in ready:
            future.result()
        return pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        # Several threads may see the same broken pool: only the first replaces it.
        with self._lock:
            if self._pool is broken:
                try:
                    self._pool = self._new_pool(self.workers)
                except Exception:  # no workers is slower, not wrong
                    log.exception("could not restart extraction workers; extracting in-process")
                    self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _one_by_one(self, jobs: Sequence[PageJob], vocabulary: Vocabulary) -> list[PageResult]:
        """The batch again in a private one-worker pool, so that a page that kills
        the worker is told apart from pages that were only in flight beside it.

        Never in this process: a page that crashed a worker would crash the run. Where
        no worker can be started, the pages left are failures the next run retries.
        """
        results: list[PageResult] = []
        pool: ProcessPoolExecutor | None = None
        try:
            for job in jobs:
                if pool is None:
                    try:
                        pool = self._new_pool(1)
                    except Exception as exc:
                        log.exception("no extraction worker for %s", job.url)
                        results.append(PageFailure(job.url, f"no extraction worker: {exc!r}"))
                        continue
                try:
                    results.extend(pool.submit(self._work, [job], vocabulary).result())
                except BrokenProcessPool:
                    log.error("the extraction worker died on %s", job.url)
                    results.append(PageFailure(job.url, "the page killed its extraction worker"))
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return results
