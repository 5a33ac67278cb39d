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
from storage.review import AcceptedChange, AuditEntry, Observation
from storage.runs import RunBusy, RunSummary, SourceError

__all__ = [
    "AcceptedChange",
    "ArticleRecord",
    "AuditEntry",
    "ChannelPolicy",
    "DeliveryInfo",
    "DeliveryJob",
    "DeliveryState",
    "FeedOutcome",
    "FeedState",
    "Observation",
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
