"""Storage: SQLAlchemy models behind functions that take and return dataclasses."""

from storage.db import make_engine, migrate
from storage.outbox import ChannelPolicy, DeliveryInfo, DeliveryJob, DeliveryState, Outbox
from storage.repo import (
    ArticleRecord,
    FeedOutcome,
    FeedState,
    RunResult,
    RunSummary,
    SavedRun,
    SourceError,
    Store,
)

__all__ = [
    "ArticleRecord",
    "ChannelPolicy",
    "DeliveryInfo",
    "DeliveryJob",
    "DeliveryState",
    "FeedOutcome",
    "FeedState",
    "Outbox",
    "RunResult",
    "RunSummary",
    "SavedRun",
    "SourceError",
    "Store",
    "make_engine",
    "migrate",
]
