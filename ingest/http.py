"""Guarded HTTP GET: the only way ``ingest`` reads from the network.

What it guards against, and how:

- SSRF: every hop (the first request and each redirect) goes through ``guard_url``
  first, a cheap early refusal that names the hop; redirects are followed here, by
  hand, so no hop escapes it. The binding check is at connect time, in the client
  ``make_client`` builds (ingest/transport.py): the host is resolved once, every
  address must be public, and the socket goes to the checked address, so a name that
  resolves differently the second time (DNS rebinding) gets nowhere.
- Slow servers: httpx's timeout applies to each read, so a server that drips a byte
  at a time never trips it (FIELD-NOTES "Security facts"). An overall deadline on the
  monotonic clock is checked between chunks, each hop's per-read timeout is cut to
  the time left, and the guarded transport ends every read at the deadline.
- Big bodies and compression bombs: the cap is on the *decoded* size. We stream raw
  bytes with ``iter_raw()`` and inflate them ourselves with a ``max_length`` bound, so
  a 50 MB gzip bomb stops at the cap instead of being inflated by httpx in one chunk
  (counting ``iter_bytes()`` overshot a 10 MiB cap to 67 MB, FIELD-NOTES).
"""

from __future__ import annotations

import ssl
import time
import zlib
from dataclasses import dataclass

import httpcore
import httpx

from ingest.errors import (
    BlockedURL,
    FetchError,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    FetchTransportError,
    TooManyRedirects,
)
from ingest.guard import Resolver, guard_url
from ingest.transport import DEADLINE_EXTENSION, GuardedTransport

__all__ = ["FetchLimits", "Fetched", "fetch", "make_client"]

# Only encodings we can inflate with a bound. Saying so in Accept-Encoding keeps
# servers from sending br/zstd, which we would otherwise have to refuse.
ACCEPT_ENCODING = "gzip, deflate"
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/html;q=0.9, application/xhtml+xml;q=0.9, */*;q=0.5"
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchLimits:
    timeout_s: float = 10.0  # per connect / read / write (httpx semantics)
    deadline_s: float = 30.0  # the whole fetch, redirects included
    max_bytes: int = 5 * 1024 * 1024  # decoded body
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    url: str  # what was asked for
    final_url: str  # where the body came from, after redirects
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes  # decoded (gzip/deflate undone); b"" when not_modified
    etag: str | None
    last_modified: str | None
    not_modified: bool


# One shared default instance: FetchLimits is frozen, so sharing it is safe.
_DEFAULT_LIMITS = FetchLimits()


def make_client(
    user_agent: str = "pledgewatch/0.1",
    *,
    allow_private_networks: bool = False,
    resolver: Resolver | None = None,
    deadline_s: float = _DEFAULT_LIMITS.deadline_s,
    network_backend: httpcore.NetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.Client:
    """The one HTTP client of pledgewatch: feeds, pages and webhooks.

    Its transport (``GuardedTransport``) checks every address a host resolves to when
    it connects, and connects to the checked address; loopback and private addresses
    only with ``allow_private_networks``. ``resolver`` resolves host names (default:
    the system's); ``deadline_s`` bounds each request that does not bring its own
    deadline (``fetch`` does); ``network_backend`` opens the sockets (tests pass one
    that never leaves 127.0.0.1); ``ssl_context`` replaces the default CAs.

    ``trust_env=False``: no proxy or netrc from the environment. Settings come in as
    arguments (nothing in ingest reads os.environ), and through a proxy the address
    check would judge one host while the proxy connects to another.
    """
    transport = GuardedTransport(
        allow_private_networks=allow_private_networks,
        resolver=resolver,
        network_backend=network_backend,
        deadline_s=deadline_s,
        ssl_context=ssl_context,
    )
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=_DEFAULT_LIMITS.timeout_s,
        headers={"User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    limits: FetchLimits = _DEFAULT_LIMITS,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private_networks: bool = False,
    resolver: Resolver | None = None,
) -> Fetched:
    """GET ``url`` within ``limits``; see the module docstring for the guards.

    ``etag`` / ``last_modified`` (from an earlier ``Fetched``) make the request
    conditional; a 304 answer returns ``not_modified=True`` with an empty body.
    Raises a ``FetchError`` subclass naming ``url`` for every failure. Use a client
    from ``make_client``: its transport makes the address check at connect time (the
    check here, before each hop, is the early one), with the client's own
    ``allow_private_networks`` and resolver; give both the same settings.
    """
    deadline = time.monotonic() + limits.deadline_s
    headers = {"Accept-Encoding": ACCEPT_ENCODING}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    current: str | httpx.URL = url
    for hop in range(limits.max_redirects + 1):
        where = "" if hop == 0 else f" (at {current}, after {hop} redirects)"
        # Checked before every hop, for an early error naming the hop. The client's
        # transport checks again when it connects (DNS rebinding, ingest/transport.py).
        try:
            guard_url(current, allow_private_networks=allow_private_networks, resolver=resolver)
        except FetchError as exc:
            if hop == 0:
                raise
            # Name the URL the caller asked for; the hop goes into the message.
            raise type(exc)(url, f"{exc.message}{where}") from exc
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeout(
                url, f"deadline of {limits.deadline_s}s passed{where}", deadline_passed=True
            )
        try:
            request = client.build_request(
                "GET",
                current,
                headers=headers,
                timeout=min(limits.timeout_s, remaining),
                extensions={DEADLINE_EXTENSION: deadline},
            )
            response = client.send(request, stream=True, follow_redirects=False)
        except BlockedURL as exc:  # from the transport, refused at connect time
            raise BlockedURL(url, f"{exc.message}{where}") from exc
        except httpx.TimeoutException as exc:
            raise _timeout(url, exc, limits, deadline, where) from exc
        except httpx.TransportError as exc:
            raise _network_error(url, exc, where) from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}{where}") from exc
        except httpx.InvalidURL as exc:
            # `current` already parsed in guard_url, so this comes from the answer:
            # httpx builds `response.next_request` from Location even when not
            # following redirects, and raises on one like "javascript:alert(1)".
            raise BlockedURL(url, f"redirect to an unusable URL ({exc}){where}") from exc
        try:
            status = response.status_code
            if status in _REDIRECT_STATUSES:
                current = _redirect_target(url, response, where)
                if hop == limits.max_redirects:
                    raise TooManyRedirects(
                        url, f"more than {limits.max_redirects} redirects (next: {current})"
                    )
                continue
            if status == 304:
                return _fetched(url, response, b"", etag, last_modified)
            if not 200 <= status < 300:
                raise FetchStatusError(url, status, f"HTTP status {status}{where}")
            body = _read_body(response, url, limits, deadline, where)
            return _fetched(url, response, body, etag, last_modified)
        except httpx.TimeoutException as exc:
            raise _timeout(url, exc, limits, deadline, where, "reading ") from exc
        except httpx.TransportError as exc:
            raise _network_error(url, exc, where) from exc
        except (httpx.HTTPError, httpx.StreamError) as exc:
            raise FetchError(url, f"{type(exc).__name__}: {exc}{where}") from exc
        finally:
            response.close()
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


# The two ways httpcore and h11 report a connection closed before the whole answer.
_CUT_OFF = (
    "Server disconnected without sending a response",
    "peer closed connection without sending complete message body",
)


def _network_error(url: str, exc: httpx.TransportError, where: str) -> FetchError:
    """A FetchTransportError (worth another try: refused, reset, cut off) or, where the
    same answer would come again, a plain FetchError: a malformed response (httpx's
    protocol errors other than a cut-off) or a TLS failure (a bad certificate)."""
    message = f"{type(exc).__name__}: {exc}{where}"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return FetchError(url, message)
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ProtocolError) and not any(m in str(exc) for m in _CUT_OFF):
        return FetchError(url, message)
    return FetchTransportError(url, message)


def _timeout(
    url: str,
    exc: httpx.TimeoutException,
    limits: FetchLimits,
    deadline: float,
    where: str,
    doing: str = "",
) -> FetchTimeout:
    if time.monotonic() >= deadline or "deadline" in str(exc):
        message = f"deadline of {limits.deadline_s}s passed{where}"
        return FetchTimeout(url, message, deadline_passed=True)
    return FetchTimeout(url, f"timed out {doing}({type(exc).__name__}){where}")


def _redirect_target(source: str, response: httpx.Response, where: str) -> httpx.URL:
    location = response.headers.get("location", "").strip()
    if not location:
        raise FetchStatusError(
            source, response.status_code, f"redirect without a Location header{where}"
        )
    try:
        # Relative references resolve against the URL that answered (RFC 9110 §10.2.2).
        return response.url.join(location)
    except httpx.InvalidURL as exc:
        raise FetchError(source, f"bad redirect Location {location!r}{where}") from exc


def _fetched(
    url: str,
    response: httpx.Response,
    body: bytes,
    sent_etag: str | None,
    sent_last_modified: str | None,
) -> Fetched:
    not_modified = response.status_code == 304
    headers = {k.lower(): v for k, v in response.headers.items()}
    etag = headers.get("etag")
    last_modified = headers.get("last-modified")
    if not_modified:
        # A 304 need not repeat the validators (RFC 9110 §15.4.5); keep the ones we
        # sent so the caller can store them again unchanged.
        etag = etag or sent_etag
        last_modified = last_modified or sent_last_modified
    return Fetched(
        url=url,
        final_url=str(response.url),
        status=response.status_code,
        headers=headers,
        body=body,
        etag=etag,
        last_modified=last_modified,
        not_modified=not_modified,
    )


def _read_body(
    response: httpx.Response, source: str, limits: FetchLimits, deadline: float, where: str
) -> bytes:
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    try:
        decoder = _BoundedDecoder(encoding)
    except ValueError as exc:
        raise FetchError(source, f"unsupported Content-Encoding {encoding!r}{where}") from exc
    too_large = f"body larger than {limits.max_bytes} bytes{where}"

    declared = response.headers.get("content-length", "")
    if decoder.identity and declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchTooLarge(source, too_large)  # refuse before reading anything
    # Raw bytes are capped too: a compressed stream can be all empty blocks, long on
    # the wire yet inflating to nothing. The slack covers deflate's own overhead on
    # incompressible data (well under 1 %).
    raw_cap = limits.max_bytes if decoder.identity else limits.max_bytes * 101 // 100 + 1024

    body = bytearray()
    raw_total = 0
    for chunk in response.iter_raw():
        if time.monotonic() > deadline:
            raise FetchTimeout(
                source, f"deadline of {limits.deadline_s}s passed{where}", deadline_passed=True
            )
        raw_total += len(chunk)
        if raw_total > raw_cap:
            raise FetchTooLarge(source, too_large)
        try:
            body += decoder.decode(chunk, limits.max_bytes - len(body))
        except zlib.error as exc:
            raise FetchError(source, f"corrupt {encoding} body: {exc}{where}") from exc
        if len(body) > limits.max_bytes:
            raise FetchTooLarge(source, too_large)
    body += decoder.flush()
    if len(body) > limits.max_bytes:
        raise FetchTooLarge(source, too_large)
    return bytes(body)


class _BoundedDecoder:
    """Undo Content-Encoding one chunk at a time, never producing more than asked for."""

    def __init__(self, encoding: str) -> None:
        self.identity = encoding in ("", "identity")
        self._raw_deflate_fallback = False
        self._zlib: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: gzip header
        elif encoding == "deflate":
            # RFC 9110 says zlib-wrapped, but some servers send raw deflate; like
            # httpx's DeflateDecoder, try zlib first and fall back on the first error.
            self._zlib = zlib.decompressobj()
            self._raw_deflate_fallback = True
        elif not self.identity:
            raise ValueError(encoding)

    def decode(self, chunk: bytes, room: int) -> bytes:
        """Decoded bytes of ``chunk``: at most ``room + 1`` (one more reveals overflow)."""
        if self._zlib is None:
            return chunk[: room + 1]
        try:
            return self._inflate(chunk, room)
        except zlib.error:
            if not self._raw_deflate_fallback:
                raise
            self._raw_deflate_fallback = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._inflate(chunk, room)

    def _inflate(self, chunk: bytes, room: int) -> bytes:
        assert self._zlib is not None
        # max_length bounds the output of this call; what zlib could not emit stays
        # in unconsumed_tail. max_length must be >= 1 (0 means unbounded).
        out = self._zlib.decompress(chunk, room + 1)
        if out:
            self._raw_deflate_fallback = False  # the format is settled once data came out
        while self._zlib.unconsumed_tail and len(out) <= room:
            more = self._zlib.decompress(self._zlib.unconsumed_tail, room + 1 - len(out))
            if not more:
                break
            out += more
        # Bytes after the end of the compressed stream are ignored, as httpx does.
        return out

    def flush(self) -> bytes:
        # Every input byte has gone through decompress() with the tail drained, so
        # what flush() can still return is at most zlib's small internal window.
        return b"" if self._zlib is None else self._zlib.flush()
