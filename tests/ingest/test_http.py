"""fetch() against a real HTTP server on 127.0.0.1 (pytest-httpserver).

The server is loopback, so these tests pass allow_private_networks=True; the address
guard itself is tested in test_guard.py with a stubbed resolver.
"""

from __future__ import annotations

import gzip
import re
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest import (
    BlockedURL,
    FetchError,
    FetchLimits,
    FetchStatusError,
    FetchTimeout,
    FetchTooLarge,
    FetchTransportError,
    TooManyRedirects,
    fetch,
    is_transient,
)

LOCAL = {"allow_private_networks": True}


def test_200_returns_body_headers_and_validators(httpserver: HTTPServer, client: httpx.Client):
    httpserver.expect_request("/feed").respond_with_data(
        b"<rss/>",
        content_type="application/rss+xml",
        headers={"ETag": '"v1"', "Last-Modified": "Fri, 05 Dec 2025 10:00:00 GMT"},
    )
    url = httpserver.url_for("/feed")

    got = fetch(client, url, **LOCAL)

    assert got.body == b"<rss/>"
    assert (got.status, got.url, got.final_url, got.not_modified) == (200, url, url, False)
    assert got.etag == '"v1"'
    assert got.last_modified == "Fri, 05 Dec 2025 10:00:00 GMT"
    assert got.headers["content-type"] == "application/rss+xml"
    assert all(k == k.lower() for k in got.headers)
    # We asked only for encodings we can inflate with a bound.
    request, _ = httpserver.log[0]
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert request.headers["User-Agent"] == "pledgewatch/0.1"
    assert "If-None-Match" not in request.headers


def test_conditional_get_round_trip_returns_not_modified(
    httpserver: HTTPServer, client: httpx.Client
):
    lm = "Fri, 05 Dec 2025 10:00:00 GMT"
    # The more specific matcher is registered first: handlers are tried in order.
    httpserver.expect_request(
        "/feed", headers={"If-None-Match": '"v1"', "If-Modified-Since": lm}
    ).respond_with_data(b"", status=304)
    httpserver.expect_request("/feed").respond_with_data(
        b"<rss>full</rss>", headers={"ETag": '"v1"', "Last-Modified": lm}
    )
    url = httpserver.url_for("/feed")

    first = fetch(client, url, **LOCAL)
    second = fetch(client, url, etag=first.etag, last_modified=first.last_modified, **LOCAL)

    assert first.body == b"<rss>full</rss>" and not first.not_modified
    assert second.not_modified and second.status == 304 and second.body == b""
    # The 304 repeated no validators: the ones we sent come back for storing again.
    assert (second.etag, second.last_modified) == ('"v1"', lm)
    assert len(httpserver.log) == 2


def test_server_error_raises_status_error_naming_url(httpserver: HTTPServer, client):
    httpserver.expect_request("/boom").respond_with_data(b"oops", status=500)
    url = httpserver.url_for("/boom")

    with pytest.raises(FetchStatusError) as info:
        fetch(client, url, **LOCAL)

    assert info.value.status == 500
    assert info.value.source == url
    assert url in str(info.value) and "500" in str(info.value)


def _redirect_chain(httpserver: HTTPServer, hops: int) -> str:
    """/r0 -> /r1 -> ... -> /r{hops} which answers 200; Locations are relative."""
    statuses = [301, 302, 303, 307, 308]
    for i in range(hops):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            b"", status=statuses[i % len(statuses)], headers={"Location": f"r{i + 1}?n={i}"}
        )
    httpserver.expect_request(f"/r{hops}").respond_with_data(b"arrived")
    return httpserver.url_for("/r0")


def test_redirect_chain_within_limit_is_followed(httpserver: HTTPServer, client):
    url = _redirect_chain(httpserver, hops=5)

    got = fetch(client, url, **LOCAL)

    assert got.body == b"arrived"
    assert got.url == url
    assert got.final_url == httpserver.url_for("/r5") + "?n=4"
    assert len(httpserver.log) == 6


def test_redirect_chain_over_limit_raises(httpserver: HTTPServer, client):
    url = _redirect_chain(httpserver, hops=6)

    with pytest.raises(TooManyRedirects) as info:
        fetch(client, url, **LOCAL)

    assert info.value.source == url
    assert len(httpserver.log) == 6  # the 7th request (/r6) was never made


def test_redirect_limit_is_configurable(httpserver: HTTPServer, client):
    url = _redirect_chain(httpserver, hops=2)
    with pytest.raises(TooManyRedirects):
        fetch(client, url, limits=FetchLimits(max_redirects=1), **LOCAL)


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)", "gopher://x/"]
)
def test_redirect_to_non_http_scheme_is_blocked(httpserver: HTTPServer, client, location):
    httpserver.expect_request("/start").respond_with_data(
        b"", status=302, headers={"Location": location}
    )

    with pytest.raises(BlockedURL, match=r"scheme|unusable URL"):
        fetch(client, httpserver.url_for("/start"), **LOCAL)


def test_redirect_without_location_is_a_status_error(httpserver: HTTPServer, client):
    httpserver.expect_request("/r").respond_with_data(b"", status=302)
    with pytest.raises(FetchStatusError, match="Location") as info:
        fetch(client, httpserver.url_for("/r"), **LOCAL)
    assert info.value.status == 302


def test_first_hop_to_loopback_is_blocked_without_the_opt_in(httpserver: HTTPServer, client):
    httpserver.expect_request("/feed").respond_with_data(b"secret")

    with pytest.raises(BlockedURL):
        fetch(client, httpserver.url_for("/feed"))

    assert httpserver.log == []  # refused before connecting


def test_body_exactly_at_the_cap_is_accepted(httpserver: HTTPServer, client):
    httpserver.expect_request("/b").respond_with_data(b"x" * 1000)
    got = fetch(client, httpserver.url_for("/b"), limits=FetchLimits(max_bytes=1000), **LOCAL)
    assert len(got.body) == 1000


def test_body_over_the_cap_raises_too_large(httpserver: HTTPServer, client):
    httpserver.expect_request("/b").respond_with_data(b"x" * 1001)
    with pytest.raises(FetchTooLarge):
        fetch(client, httpserver.url_for("/b"), limits=FetchLimits(max_bytes=1000), **LOCAL)


def test_streamed_body_without_length_over_the_cap_raises_too_large(httpserver, client):
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"y" * 1024

    # No Content-Length: only counting while streaming can catch it.
    httpserver.expect_request("/s").respond_with_handler(lambda _req: Response(chunks()))
    with pytest.raises(FetchTooLarge):
        fetch(client, httpserver.url_for("/s"), limits=FetchLimits(max_bytes=10_000), **LOCAL)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as RFC 9110 says
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),  # raw, as seen
    ],
)
def test_compressed_body_is_decoded(httpserver: HTTPServer, client, encoding, compress):
    text = b"India and Russia set a $100 billion trade target. " * 200
    httpserver.expect_request("/c").respond_with_data(
        compress(text), headers={"Content-Encoding": encoding}
    )
    got = fetch(client, httpserver.url_for("/c"), **LOCAL)
    assert got.body == text


BOMB_SIZE = 50 * 1024 * 1024  # 50 MB of zeros compress to about 50 KB
CAP = 1024 * 1024


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    zeros = bytes(BOMB_SIZE)
    return {"gzip": gzip.compress(zeros, compresslevel=9), "deflate": zlib.compress(zeros, 9)}


def _peak_memory_of(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bomb_over_http_stops_at_the_cap(
    httpserver: HTTPServer, client, bombs: dict[str, bytes], encoding: str
):
    assert len(bombs[encoding]) < 100_000
    httpserver.expect_request("/bomb").respond_with_data(
        bombs[encoding], headers={"Content-Encoding": encoding}
    )
    httpserver.expect_request("/warm").respond_with_data(b"ok")
    # Warm up first: httpx/h11 import modules lazily on the first request.
    fetch(client, httpserver.url_for("/warm"), **LOCAL)

    def call() -> None:
        with pytest.raises(FetchTooLarge):
            fetch(client, httpserver.url_for("/bomb"), limits=FetchLimits(max_bytes=CAP), **LOCAL)

    # tracemalloc also counts the server thread in this process (about 8 MB here), so
    # the bound is loose; inflating the bomb would take 50 MB (httpx's iter_bytes()
    # peaked at 130 MB). The tight bound is in the next test.
    assert _peak_memory_of(call) < 24 * CAP


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bomb_in_one_chunk_inflates_no_further_than_the_cap(
    bombs: dict[str, bytes], encoding: str
):
    # No server: the whole bomb arrives as one raw chunk, the worst case for a
    # decoder that inflates a chunk at a time (FIELD-NOTES: 67 MB past a 10 MiB cap).
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Encoding": encoding}
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(bombs[encoding]))

    def call() -> None:
        with (
            httpx.Client(transport=httpx.MockTransport(handler)) as mock_client,
            pytest.raises(FetchTooLarge),
        ):
            fetch(
                mock_client,
                "http://news.example/bomb",
                limits=FetchLimits(max_bytes=CAP),
                resolver=lambda _host: ["93.184.216.34"],
            )

    call()  # warm up imports
    assert _peak_memory_of(call) < 4 * CAP  # measured: about 2.2 MB


def test_compressed_stream_of_empty_blocks_is_capped_on_raw_bytes(httpserver, client):
    # Long on the wire, inflating to nothing: only a cap on raw bytes stops it early.
    compressor = zlib.compressobj()
    empty_block = compressor.compress(b"") + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(b"") + empty_block * (3 * 10_000 // len(empty_block))
    httpserver.expect_request("/empty").respond_with_data(
        body, headers={"Content-Encoding": "deflate"}
    )
    with pytest.raises(FetchTooLarge):
        fetch(client, httpserver.url_for("/empty"), limits=FetchLimits(max_bytes=10_000), **LOCAL)


def test_declared_length_over_the_cap_is_refused_before_reading():
    class NeverRead(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            raise AssertionError("the body must not be read")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "999999999"}, stream=NeverRead())

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as mock_client,
        pytest.raises(FetchTooLarge),
    ):
        fetch(mock_client, "http://news.example/big", resolver=lambda _h: ["93.184.216.34"])


def test_unknown_content_encoding_is_refused(httpserver: HTTPServer, client):
    httpserver.expect_request("/br").respond_with_data(
        b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": "br"}
    )
    with pytest.raises(FetchError, match="Content-Encoding") as info:
        fetch(client, httpserver.url_for("/br"), **LOCAL)
    assert type(info.value) is FetchError


def test_corrupt_gzip_is_a_fetch_error(httpserver: HTTPServer, client):
    httpserver.expect_request("/g").respond_with_data(
        b"\x1f\x8b\x08\x00garbage-garbage", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="corrupt"):
        fetch(client, httpserver.url_for("/g"), **LOCAL)


def test_slow_drip_past_the_deadline_times_out(httpserver: HTTPServer, client):
    def drip() -> Iterator[bytes]:
        for _ in range(40):  # 4 s in all: far past the deadline, each gap under the timeout
            yield b"."
            time.sleep(0.1)

    httpserver.expect_request("/drip").respond_with_handler(lambda _req: Response(drip()))
    limits = FetchLimits(timeout_s=0.5, deadline_s=1.0)

    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="deadline") as info:
        fetch(client, httpserver.url_for("/drip"), limits=limits, **LOCAL)
    elapsed = time.monotonic() - started

    assert info.value.source == httpserver.url_for("/drip")
    assert 0.9 < elapsed < 2.0


def test_server_silent_past_the_read_timeout_times_out(httpserver: HTTPServer, client):
    def slow(_req: Request) -> Response:
        time.sleep(0.6)
        return Response(b"late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    limits = FetchLimits(timeout_s=0.2, deadline_s=5.0)

    with pytest.raises(FetchTimeout):
        fetch(client, httpserver.url_for("/slow"), limits=limits, **LOCAL)


def test_connection_refused_is_a_fetch_error_naming_the_url(client):
    with socket.socket() as s:  # find a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed"

    with pytest.raises(FetchError) as info:
        fetch(client, url, **LOCAL)

    assert type(info.value) is FetchTransportError  # a FetchError worth another try
    assert is_transient(info.value)
    assert info.value.source == url and url in str(info.value)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/feed", "file:///etc/passwd", "data:,x"])
def test_non_http_url_is_blocked_before_anything_else(client, url):
    def resolver(host: str) -> list[str]:
        raise AssertionError("must not resolve")

    with pytest.raises(BlockedURL):
        fetch(client, url, resolver=resolver)


# --- the guard on every hop, with no socket at all: httpx.MockTransport ---------------


def test_redirect_hop_to_private_address_is_blocked_no_network():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://metadata.internal/latest/"})

    resolved: list[str] = []

    def resolver(host: str) -> list[str]:
        resolved.append(host)
        return {"news.example": ["93.184.216.34"], "metadata.internal": ["169.254.169.254"]}[host]

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as mock_client,
        pytest.raises(BlockedURL, match=re.escape("169.254.169.254")) as info,
    ):
        fetch(mock_client, "http://news.example/feed", resolver=resolver)

    assert info.value.source == "http://news.example/feed"
    assert seen == ["http://news.example/feed"]  # the second hop was never requested
    assert resolved == ["news.example", "metadata.internal"]


def test_redirect_to_numeric_loopback_spelling_is_blocked_no_network():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "http://2130706433/admin"})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as mock_client,
        pytest.raises(BlockedURL, match=re.escape("127.0.0.1")),
    ):
        fetch(mock_client, "http://news.example/", resolver=lambda _h: ["93.184.216.34"])


def test_a_connection_reset_before_the_answer_is_a_transport_error(client):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    address = server.getsockname()

    def reset_the_first() -> None:
        conn, _ = server.accept()
        conn.recv(1024)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        conn.close()  # linger 0: an RST, not a FIN

    thread = threading.Thread(target=reset_the_first)
    thread.start()
    try:
        with pytest.raises(FetchTransportError) as reset:
            fetch(client, f"http://127.0.0.1:{address[1]}/a", **LOCAL)
        assert is_transient(reset.value)
    finally:
        thread.join(timeout=5)
        server.close()


def test_a_body_cut_off_before_its_length_is_a_transport_error(client):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def cut_off() -> None:
        conn, _ = server.accept()
        conn.recv(1024)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<p>India")
        conn.close()  # a FIN, 991 bytes short

    thread = threading.Thread(target=cut_off)
    thread.start()
    try:
        with pytest.raises(FetchTransportError, match="peer closed connection") as info:
            fetch(client, f"http://127.0.0.1:{server.getsockname()[1]}/a", **LOCAL)
        assert is_transient(info.value)
    finally:
        thread.join(timeout=5)
        server.close()
