"""ingest: the outside world coming in.

Guarded HTTP fetch (limits, SSRF guard, conditional GET), feed parsing (feedparser over
bytes we fetched) and article text from HTML (lxml; bs4 detects the encoding). Imports nothing
from the rest of pledgewatch and reads no environment: settings come in as arguments.
"""

from ingest.article import ArticleContent, extract_article
from ingest.errors import (
    ArticleParseError,
    BlockedURL,
    FeedParseError,
    FetchError,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    FetchTransportError,
    IngestError,
    TooManyRedirects,
    is_transient,
)
from ingest.feeds import FeedEntry, ParsedFeed, parse_feed
from ingest.guard import Resolver, guard_url, is_public_address, parse_ip_literal
from ingest.http import Fetched, FetchLimits, fetch, make_client
from ingest.urls import canonical_url, is_http_url

__all__ = [
    "ArticleContent",
    "ArticleParseError",
    "BlockedURL",
    "FeedEntry",
    "FeedParseError",
    "FetchError",
    "FetchLimits",
    "FetchStatusError",
    "FetchTimeout",
    "FetchTooLarge",
    "FetchTransportError",
    "Fetched",
    "IngestError",
    "ParsedFeed",
    "Resolver",
    "TooManyRedirects",
    "canonical_url",
    "extract_article",
    "fetch",
    "guard_url",
    "is_http_url",
    "is_public_address",
    "is_transient",
    "make_client",
    "parse_feed",
    "parse_ip_literal",
]
