"""The guarded transport: connections go only to addresses checked when connecting.

``guard_url`` checks a URL before a request, but the name is resolved again to
connect, and a DNS server that answers differently the second time (DNS rebinding)
would get past it. Here the check sits in the network backend that httpcore calls to
open each TCP connection: the host is resolved once, with the injectable resolver;
the connection is refused if *any* address is not public (the connection could use
any of them); and the socket is opened to the checked address itself (pinning). The
URL is untouched, so the Host header, TLS SNI and certificate verification all use
the original host name. Every connection is checked, so every redirect hop is too,
whoever follows it.

A refused connection raises ``BlockedURL`` through httpx unchanged (httpx maps only
httpcore's exceptions); ``fetch`` names the URL in it. With
``allow_private_networks`` nothing is checked and the name goes to the system
resolver as httpx would do by itself.

The transport also holds an overall deadline per request: httpx's timeout applies to
each read, so a server that drips one byte a second never trips it. The deadline is
the request extension ``DEADLINE_EXTENSION`` (a ``time.monotonic()`` value; ``fetch``
sets it for all its hops) or ``deadline_s`` after the request starts. Each read,
write and TLS handshake is given at most the time left, for the response headers and
for the body alike, so webhooks get the same bound as fetches.
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from ingest.errors import BlockedURL
from ingest.guard import IPAddress, Resolver, is_public_address, parse_ip_literal, system_resolver

__all__ = ["DEADLINE_EXTENSION", "GuardedNetworkBackend", "GuardedTransport"]

DEADLINE_EXTENSION = "pledgewatch.deadline"
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's defaults
_SocketOption = Any  # httpcore's SOCKET_OPTION, a union of setsockopt argument tuples
# The deadline of the request this thread is working on, None outside a request.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "pledgewatch_deadline", default=None
)


def _time_left(
    timeout: float | None, expired: type[httpcore.TimeoutException] = httpcore.ReadTimeout
) -> tuple[float | None, bool]:
    """The timeout to use now, and whether the deadline (not ``timeout``) set it."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout, False
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("overall deadline passed")
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every blocking call ends by the current request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        timeout, by_deadline = _time_left(timeout)
        try:
            return self._inner.read(max_bytes, timeout)
        except httpcore.ReadTimeout as exc:
            if by_deadline:
                raise httpcore.ReadTimeout("overall deadline passed") from exc
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        timeout, by_deadline = _time_left(timeout, httpcore.WriteTimeout)
        try:
            self._inner.write(buffer, timeout)
        except httpcore.WriteTimeout as exc:
            if by_deadline:
                raise httpcore.WriteTimeout("overall deadline passed") from exc
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout, _ = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedNetworkBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to public addresses, checked and pinned at connect time.

    ``inner`` opens the sockets (default: httpcore's ``SyncBackend``); tests pass one
    that records what it is asked and never leaves 127.0.0.1.
    """

    def __init__(
        self,
        *,
        allow_private_networks: bool = False,
        resolver: Resolver | None = None,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private_networks
        self._resolver = resolver or system_resolver
        self._inner = inner or httpcore.SyncBackend()

    def checked_addresses(self, host: str) -> list[IPAddress]:
        """Every address ``host`` stands for, all public, or ``BlockedURL``."""
        literal = parse_ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                resolved = list(self._resolver(host))
            except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
                raise httpcore.ConnectError(f"cannot resolve host {host!r}: {exc}") from exc
            addresses = []
            for text in resolved:
                ip = parse_ip_literal(text)
                if ip is None:
                    raise BlockedURL(host, f"resolver returned a non-address {text!r}")
                addresses.append(ip)
            if not addresses:
                raise httpcore.ConnectError(f"host {host!r} resolved to no address")
        for ip in addresses:
            if not is_public_address(ip):
                raise BlockedURL(
                    host, f"host {host!r} is a non-public address ({ip}), refused at connect time"
                )
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        timeout, _ = _time_left(timeout, httpcore.ConnectTimeout)
        if self._allow_private:
            stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
            return _DeadlineStream(stream)
        addresses = self.checked_addresses(host)
        # One connect budget for all the addresses, tried in the resolver's order.
        ends = None if timeout is None else time.monotonic() + timeout
        error: Exception | None = None
        for ip in addresses:
            left = None if ends is None else ends - time.monotonic()
            if left is not None and left <= 0:
                break
            try:
                stream = self._inner.connect_tcp(str(ip), port, left, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        if error is not None:
            raise error
        raise httpcore.ConnectTimeout(f"connecting to {host!r} timed out")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedURL(path, "Unix sockets are not used by pledgewatch")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineBody(httpx.SyncByteStream):
    """The response body, read under the request's deadline (set again for each chunk)."""

    def __init__(self, inner: httpx.SyncByteStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            token = _DEADLINE.set(self._deadline)
            try:
                chunk = next(chunks, None)
            finally:
                _DEADLINE.reset(token)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self._inner.close()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own HTTP transport, over ``GuardedNetworkBackend``, with a deadline.

    No proxy (a proxy would connect to hosts we never checked) and nothing from the
    environment. ``ssl_context`` defaults to httpx's (certifi's CAs, host names checked).
    """

    def __init__(
        self,
        *,
        allow_private_networks: bool = False,
        resolver: Resolver | None = None,
        network_backend: httpcore.NetworkBackend | None = None,
        deadline_s: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        limits: httpx.Limits = _LIMITS,
    ) -> None:
        context = ssl_context or httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=context, trust_env=False, limits=limits)
        self._pool.close()  # httpx's pool, never used: replaced by one on the guarded backend
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(
                allow_private_networks=allow_private_networks,
                resolver=resolver,
                inner=network_backend,
            ),
        )
        self._deadline_s = deadline_s

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = request.extensions.get(DEADLINE_EXTENSION)
        if not isinstance(deadline, int | float):
            deadline = time.monotonic() + self._deadline_s
        token = _DEADLINE.set(float(deadline))
        try:
            response = super().handle_request(request)
        finally:
            _DEADLINE.reset(token)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _DeadlineBody(response.stream, float(deadline))
        return response
