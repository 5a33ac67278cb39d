"""The garbage collector during a run: fewer full collections, none over the imports.

A run allocates millions of small objects that live for a part (facts, changes,
alerts), and CPython's collector answers with full collections that walk every
tracked object, the ~200,000 of Prefect's and pydantic's imports included. In the
1,000-article benchmark those took 1.6-1.8 s of the flow process's ~5 s of CPU
(docs/benchmarks.md). During a run, ``run_heap`` moves the objects that exist at its
start to the collector's permanent generation (``gc.freeze``), so collections skip
them, and collects the young generation every 10,000 allocations instead of 700;
it puts both back when the last run in the process ends. Nothing is kept alive
longer than the run: cycles are still collected, and the frozen objects are
unfrozen (and collectable again) at the end.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RUN_THRESHOLDS = (10_000, 20, 20)

_lock = threading.Lock()
_runs = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def run_heap() -> Iterator[None]:
    """The collector tuned for one run; runs at once in one process share it, and the
    last to end restores the process's own settings."""
    global _runs, _saved
    with _lock:
        if _runs == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*RUN_THRESHOLDS)
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                gc.unfreeze()
                if _saved is not None:
                    gc.set_threshold(*_saved)
                _saved = None
