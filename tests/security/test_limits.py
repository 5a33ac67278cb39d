"""Resource exhaustion and broken HTTP: a hostile server on 127.0.0.1 against fetch()
and the webhook channel. Each scenario ends within its limit, with the expected error.

Webhook and SMTP status faults (500, 429 + Retry-After, 410, 3xx, timeouts, 4xx/5xx
replies, refused login) are in tests/alerts/test_webhook.py and test_email.py.
"""

from __future__ import annotations

import gzip
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest

from alerts import WebhookChannel
from ingest import (
    FetchError,
    FetchLimits,
    FetchTimeout,
    FetchTooLarge,
    FetchTransportError,
    TooManyRedirects,
    fetch,
    is_transient,
    make_client,
)
from tests.security.conftest import Conn, HostileServer

LOCAL = {"allow_private_networks": True}
MB = 1024 * 1024


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(allow_private_networks=True) as c:
        yield c


def _timed(call: object) -> float:
    started = time.monotonic()
    assert callable(call)
    call()
    return time.monotonic() - started


# --- slow and silent servers -----------------------------------------------------------


def test_body_dripping_one_byte_a_second_is_stopped_by_the_deadline(
    server: HostileServer, client: httpx.Client
) -> None:
    def drip(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        conn.drip(b"x" * 100, every_s=1.0)

    server.route("/drip", drip)
    limits = FetchLimits(timeout_s=2.0, deadline_s=1.5)  # each gap is under the timeout

    def call() -> None:
        with pytest.raises(FetchTimeout, match="deadline") as info:
            fetch(client, server.url("/drip"), limits=limits, **LOCAL)
        assert not is_transient(info.value)  # it was answering, slowly: not again

    assert 1.4 < _timed(call) < 2.5


def test_headers_dripping_are_stopped_by_the_deadline(
    server: HostileServer, client: httpx.Client
) -> None:
    # fetch's own check runs between body chunks; while the headers drip in, only
    # the transport's deadline can end the request.
    server.route("/slowhead", lambda c: c.drip(b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 500, 0.2))
    limits = FetchLimits(timeout_s=1.0, deadline_s=1.0)

    def call() -> None:
        with pytest.raises(FetchTimeout, match="deadline"):
            fetch(client, server.url("/slowhead"), limits=limits, **LOCAL)

    assert 0.9 < _timed(call) < 2.0


def test_server_that_never_sends_headers_times_out(
    server: HostileServer, client: httpx.Client
) -> None:
    server.route("/silent", lambda c: c.hold(10))
    limits = FetchLimits(timeout_s=0.5, deadline_s=5)

    def call() -> None:
        with pytest.raises(FetchTimeout) as info:
            fetch(client, server.url("/silent"), limits=limits, **LOCAL)
        assert is_transient(info.value)  # no answer in time: worth another try

    assert _timed(call) < 1.5


def test_webhook_receiver_dripping_its_answer_is_stopped_by_the_deadline(
    server: HostileServer,
) -> None:
    server.route("/hook", lambda c: c.drip(b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 500, 0.2))
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    with make_client(allow_private_networks=True, deadline_s=1.0) as client:
        channel = WebhookChannel(client, timeout_s=0.5)  # per read: never trips alone
        started = time.monotonic()
        result = channel.send(server.url("/hook"), secret, "d_1", b"{}")
    assert result.outcome == "retry" and "timed out" in result.detail
    assert time.monotonic() - started < 2.0


# --- big bodies ------------------------------------------------------------------------


def _endless(conn: Conn, head: bytes) -> None:
    conn.send(head)
    block = b"<item>" + b"x" * 65530
    for _ in range(50 * MB // len(block)):  # 50 MB, made as it is sent
        if not conn.send(block):
            return


def test_50_mb_body_with_its_length_declared_is_refused_before_reading(
    server: HostileServer, client: httpx.Client
) -> None:
    server.route(
        "/big", lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
    )
    with pytest.raises(FetchTooLarge):
        fetch(client, server.url("/big"), limits=FetchLimits(max_bytes=MB), **LOCAL)


def test_50_mb_body_without_a_length_stops_at_the_cap(
    server: HostileServer, client: httpx.Client
) -> None:
    server.route("/big", lambda c: _endless(c, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"))

    def call() -> None:
        with pytest.raises(FetchTooLarge):
            fetch(client, server.url("/big"), limits=FetchLimits(max_bytes=MB), **LOCAL)

    assert _timed(call) < 2.0


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bomb_stops_at_the_cap_on_the_decoded_size(
    server: HostileServer, client: httpx.Client, encoding: str
) -> None:
    packer = zlib.compressobj(9, wbits=31 if encoding == "gzip" else 15)
    zeros = bytes(MB)
    bomb = b"".join(packer.compress(zeros) for _ in range(50)) + packer.flush()  # 50 MB
    assert len(bomb) < 100_000
    server.route("/bomb", lambda c: c.respond(200, bomb, {"Content-Encoding": encoding}))

    with pytest.raises(FetchTooLarge):
        fetch(client, server.url("/bomb"), limits=FetchLimits(max_bytes=MB), **LOCAL)


def test_gzip_inside_gzip_is_not_unpacked_twice(
    server: HostileServer, client: httpx.Client
) -> None:
    inner = gzip.compress(bytes(10 * MB))
    server.route(
        "/twice", lambda c: c.respond(200, gzip.compress(inner), {"Content-Encoding": "gzip"})
    )
    got = fetch(client, server.url("/twice"), limits=FetchLimits(max_bytes=MB), **LOCAL)
    assert got.body == inner  # one layer undone, as declared; the rest is opaque bytes


# --- lying and broken responses ----------------------------------------------------------


def test_content_length_shorter_than_the_body_gives_the_declared_bytes(
    server: HostileServer, client: httpx.Client
) -> None:
    server.route(
        "/short", lambda c: c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello<extra/>")
    )
    assert fetch(client, server.url("/short"), **LOCAL).body == b"hello"


def test_content_length_longer_than_the_body_is_an_error(
    server: HostileServer, client: httpx.Client
) -> None:
    server.route(
        "/long", lambda c: c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this")
    )  # then the connection closes
    with pytest.raises(FetchError, match=r"RemoteProtocolError|incomplete|closed"):
        fetch(client, server.url("/long"), **LOCAL)


def test_content_length_longer_than_the_body_on_an_open_connection_times_out(
    server: HostileServer, client: httpx.Client
) -> None:
    def stall(conn: Conn) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this")
        conn.hold(10)

    server.route("/stall", stall)
    with pytest.raises(FetchTimeout):
        fetch(client, server.url("/stall"), limits=FetchLimits(timeout_s=0.5), **LOCAL)


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 abc Broken\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
        b"",
    ],
    ids=["status", "not-http", "two-lengths", "negative-length", "bad-chunk", "huge-header",
         "empty"],
)  # fmt: skip
def test_malformed_responses_are_fetch_errors(
    server: HostileServer, client: httpx.Client, raw: bytes
) -> None:
    server.route("/bad", lambda c: c.send(raw))
    with pytest.raises(FetchError, match="RemoteProtocolError") as info:
        fetch(client, server.url("/bad"), limits=FetchLimits(timeout_s=1), **LOCAL)
    # Refused as broken, not waited out. A malformed answer would come again; a
    # connection closed before any status line (nothing, or not HTTP) is reported as
    # cut off, and is worth one more try.
    cut_off = raw == b"" or not raw.startswith(b"HTTP/")
    assert type(info.value) is (FetchTransportError if cut_off else FetchError)
    assert is_transient(info.value) is cut_off


# --- redirects -------------------------------------------------------------------------


def test_redirect_loop_stops_at_the_limit(server: HostileServer, client: httpx.Client) -> None:
    server.route("/loop", lambda c: c.respond(302, headers={"Location": "/loop"}))
    with pytest.raises(TooManyRedirects):
        fetch(client, server.url("/loop"), **LOCAL)
    assert server.paths == ["/loop"] * 6  # the first request and 5 redirects


def test_50_hop_redirect_chain_stops_at_the_limit(
    server: HostileServer, client: httpx.Client
) -> None:
    def hop(conn: Conn) -> None:
        n = int(conn.request.path.rsplit("/", 1)[1])
        target = f"/hop/{n + 1}" if n < 50 else None
        if target is None:
            conn.respond(200, b"arrived")
        else:
            conn.respond(301, headers={"Location": target})

    server.route("/hop/", hop)
    with pytest.raises(TooManyRedirects, match="more than 5"):
        fetch(client, server.url("/hop/0"), **LOCAL)
    assert server.paths == [f"/hop/{n}" for n in range(6)]
