"""The exception tree: shape, messages that name the source, pickling."""

from __future__ import annotations

import pickle

import pytest

from ingest import (
    ArticleParseError,
    BlockedURL,
    FeedParseError,
    FetchError,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    IngestError,
    TooManyRedirects,
)

SOURCE = "https://news.example/feed"


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (FetchError, IngestError),
        (FetchTimeout, FetchError),
        (FetchTooLarge, FetchError),
        (FetchStatusError, FetchError),
        (BlockedURL, FetchError),
        (TooManyRedirects, FetchError),
        (FeedParseError, IngestError),
        (ArticleParseError, IngestError),
        (IngestError, Exception),
    ],
)
def test_tree(cls: type[Exception], parent: type[Exception]):
    assert cls.__bases__ == (parent,)


@pytest.mark.parametrize(
    "error",
    [
        IngestError(SOURCE, "boom"),
        FetchTimeout(SOURCE, "deadline passed"),
        FetchTimeout(SOURCE, "deadline passed", True),
        BlockedURL(SOURCE, "private address"),
        FeedParseError(SOURCE, "not a feed"),
        FetchStatusError(SOURCE, 503),
        FetchStatusError(SOURCE, 404, "gone"),
    ],
)
def test_message_names_the_source_and_survives_pickling(error: IngestError):
    assert str(error).startswith(SOURCE + ": ")
    assert error.source == SOURCE

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert (copy.source, copy.message, str(copy)) == (error.source, error.message, str(error))


def test_status_error_carries_the_status():
    error = FetchStatusError(SOURCE, 503)
    assert error.status == 503 and "503" in str(error)
    assert pickle.loads(pickle.dumps(error)).status == 503
