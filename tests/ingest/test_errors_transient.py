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
        (FetchTimeout(URL, "deadline of 30s passed", deadline_passed=True), False),
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


def test_a_tls_failure_is_not_worth_another_try() -> None:
    import ssl

    import httpx

    from ingest.http import _network_error

    cause = ssl.SSLCertVerificationError("certificate verify failed: self-signed certificate")
    try:
        try:
            raise cause
        except ssl.SSLError as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as exc:
        error = _network_error(URL, exc, "")
    assert type(error) is FetchError and not is_transient(error)
    assert type(_network_error(URL, httpx.ConnectError("refused"), "")) is FetchTransportError
