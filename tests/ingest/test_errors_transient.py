"""Which fetch failures are worth another try within a run."""

from __future__ import annotations

import pytest

from ingest import (
    ArticleParseError,
    BlockedURL,
    FetchError,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    FetchTransportError,
    IngestError,
    TooManyRedirects,
    is_transient,
)

URL = "http://127.0.0.1:1/a"


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (FetchTimeout(URL, "timed out reading"), True),
        (FetchTransportError(URL, "ConnectError: refused"), True),
        (FetchStatusError(URL, 503), True),
        (FetchStatusError(URL, 429), True),
        (FetchStatusError(URL, 500), True),
        (FetchStatusError(URL, 404), False),
        (FetchStatusError(URL, 410), False),
        (BlockedURL(URL, "private address"), False),
        (TooManyRedirects(URL, "more than 5"), False),
        (FetchTooLarge(URL, "over 5 MiB"), False),
        (FetchError(URL, "unsupported Content-Encoding 'br2'"), False),
        (ArticleParseError(URL, "no text"), False),
    ],
)
def test_is_transient(error: IngestError, transient: bool) -> None:
    assert is_transient(error) is transient
