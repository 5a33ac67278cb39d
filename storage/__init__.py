"""Storage: SQLAlchemy models behind functions that take and return dataclasses."""

from storage.db import make_engine, migrate
from storage.outbox import ChannelPolicy, DeliveryInfo, DeliveryJob, DeliveryState, Outbox
from storage.repo import (
    ArticleRecord,
    FeedOutcome,
    FeedState,
    RunResult,
    SavedRun,
    Store,
)
from storage.runs import RunBusy, RunSummary, SourceError

__all__ = [
    "ArticleRecord",
    "ChannelPolicy",
    "DeliveryInfo",
    "DeliveryJob",
    "DeliveryState",
    "FeedOutcome",
    "FeedState",
    "Outbox",
    "RunBusy",
    "RunResult",
    "RunSummary",
    "SavedRun",
    "SourceError",
    "Store",
    "make_engine",
    "migrate",
]
