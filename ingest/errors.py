"""The one exception tree of ``ingest``.

Callers catch the branch they can handle; everything raised by this package on purpose
is an ``IngestError`` and names its source (a URL, or a feed/page name)::

    IngestError                 .source, .message
    ├── FetchError              the network side: nothing usable came back
    │   ├── FetchTimeout        per-read timeout or the overall deadline passed
    │   ├── FetchTransportError refused, reset or cut off: worth another try
    │   ├── FetchTooLarge       the decoded body went past FetchLimits.max_bytes
    │   ├── FetchStatusError    a non-2xx answer that is not 304 (.status)
    │   ├── BlockedURL          a scheme other than http(s), or an address not allowed
    │   └── TooManyRedirects    more than FetchLimits.max_redirects hops
    ├── FeedParseError          the bytes are not a feed we can read
    └── ArticleParseError       the page has no text we can extract

``args`` always holds exactly what ``__init__`` takes, so the exceptions survive pickling
(Prefect pickles the exceptions of failed tasks into their states).
"""

from __future__ import annotations

__all__ = [
    "ArticleParseError",
    "BlockedURL",
    "FeedParseError",
    "FetchError",
    "FetchStatusError",
    "FetchTimeout",
    "FetchTooLarge",
    "FetchTransportError",
    "IngestError",
    "TooManyRedirects",
    "is_transient",
]


class IngestError(Exception):
    """Base of every error ``ingest`` raises; ``str(e)`` always starts with the source."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(source, message)
        self.source = source
        self.message = message

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class FetchError(IngestError):
    """Fetching the source failed (transport error, refused response, limits)."""


class FetchTimeout(FetchError):
    """A read timed out, or the whole fetch outlived its deadline (.deadline_passed)."""

    def __init__(self, source: str, message: str, deadline_passed: bool = False) -> None:
        super().__init__(source, message)
        self.deadline_passed = deadline_passed
        self.args = (source, message, deadline_passed)  # pickling round-trips


class FetchTransportError(FetchError):
    """The connection failed or broke: refused, reset, cut off. A malformed answer
    (httpx's protocol errors) is a plain FetchError: it would come again."""


class FetchTooLarge(FetchError):
    """The (decoded) body is larger than the limit allows."""


class FetchStatusError(FetchError):
    """The server answered with a status we do not accept."""

    def __init__(self, source: str, status: int, message: str | None = None) -> None:
        super().__init__(source, message or f"HTTP status {status}")
        self.status = status
        # Keep args equal to this __init__'s parameters so pickling round-trips.
        self.args = (source, status, self.message)


class BlockedURL(FetchError):
    """The URL's scheme, or the address its host resolves to, is not allowed."""


class TooManyRedirects(FetchError):
    """The redirect chain is longer than allowed."""


class FeedParseError(IngestError):
    """The body could not be read as an RSS or Atom feed."""


class ArticleParseError(IngestError):
    """No article text could be extracted from the page."""


# Statuses a server answers with when it is busy or briefly down.
_BUSY_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_transient(error: IngestError) -> bool:
    """Whether ``error`` is worth another try in a moment: a read that timed out, a
    connection refused, reset or cut off, or HTTP 429, 500, 502, 503 or 504. Not a
    fetch that used up its whole deadline (it was being answered, slowly), a refused
    address, a redirect loop, a body over the limit, a malformed answer, a TLS
    failure, a 404 or a page that does not parse."""
    if isinstance(error, FetchStatusError):
        return error.status in _BUSY_STATUSES
    if isinstance(error, FetchTimeout):
        return not error.deadline_passed
    return isinstance(error, FetchTransportError)
