"""A work function for extraction workers that reports what the worker has loaded.

In a module of its own: a worker imports the module of the function it runs, and the
test modules import storage (SQLAlchemy) themselves.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from facts.vocabulary import Vocabulary
from flows.extraction import PageFailure, PageJob, PageResult

HEAVY = ("prefect", "flows.cli", "flows.steps", "sqlalchemy")


def loaded_modules(jobs: Sequence[PageJob], vocabulary: Vocabulary) -> list[PageResult]:
    return [PageFailure("modules", ",".join(m for m in HEAVY if m in sys.modules))]
