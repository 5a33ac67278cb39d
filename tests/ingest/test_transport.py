"""GuardedNetworkBackend and the deadline, with stand-in sockets: nothing connects.

The guard against real (loopback) servers, DNS rebinding, redirects, TLS and slow
servers is in tests/security/.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import httpcore
import pytest

from ingest import BlockedURL
from ingest.transport import _DEADLINE, GuardedNetworkBackend, _DeadlineStream

PUBLIC_A, PUBLIC_B = "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"


class Stream(httpcore.NetworkStream):
    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.timeouts: list[float | None] = []

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.timeouts.append(timeout)
        if timeout is not None and self.delay_s > timeout:
            time.sleep(timeout)
            raise httpcore.ReadTimeout("timed out")
        time.sleep(self.delay_s)
        return b"x"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.timeouts.append(timeout)

    def close(self) -> None:
        pass


class Sockets(httpcore.NetworkBackend):
    """Records connections; refuses the addresses in ``refuse``."""

    def __init__(self, refuse: Iterable[str] = ()) -> None:
        self.refuse = set(refuse)
        self.asked: list[tuple[str, int, float | None]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        self.asked.append((host, port, timeout))
        if host in self.refuse:
            raise httpcore.ConnectError(f"refused: {host}")
        return Stream()


def _backend(answers: list[str], sockets: Sockets, **kwargs: Any) -> GuardedNetworkBackend:
    return GuardedNetworkBackend(resolver=lambda _host: answers, inner=sockets, **kwargs)


def test_connects_to_the_checked_addresses_in_order_until_one_answers() -> None:
    sockets = Sockets(refuse=[PUBLIC_A])
    stream = _backend([PUBLIC_A, PUBLIC_B], sockets).connect_tcp("news.example", 443, timeout=5)
    assert isinstance(stream, _DeadlineStream)
    assert [(h, p) for h, p, _ in sockets.asked] == [(PUBLIC_A, 443), (PUBLIC_B, 443)]
    assert all(t is not None and t <= 5 for _, _, t in sockets.asked)  # one shared budget


def test_every_address_refused_is_the_last_connect_error() -> None:
    sockets = Sockets(refuse=[PUBLIC_A, PUBLIC_B])
    with pytest.raises(httpcore.ConnectError, match=PUBLIC_B):
        _backend([PUBLIC_A, PUBLIC_B], sockets).connect_tcp("news.example", 80)


def test_one_private_answer_refuses_the_name_before_any_connection() -> None:
    sockets = Sockets()
    with pytest.raises(BlockedURL, match=r"10\.0\.0\.1.*connect time") as info:
        _backend([PUBLIC_A, "10.0.0.1"], sockets).connect_tcp("news.example", 80)
    assert info.value.source == "news.example"
    assert sockets.asked == []


@pytest.mark.parametrize(("answers", "error"), [([], "no address"), (["nope"], "non-address")])
def test_odd_resolver_answers(answers: list[str], error: str) -> None:
    with pytest.raises((httpcore.ConnectError, BlockedURL), match=error):
        _backend(answers, Sockets()).connect_tcp("news.example", 80)


def test_resolver_failure_is_a_connect_error() -> None:
    def failing(host: str) -> list[str]:
        raise OSError("no DNS here")

    backend = GuardedNetworkBackend(resolver=failing, inner=Sockets())
    with pytest.raises(httpcore.ConnectError, match="cannot resolve"):
        backend.connect_tcp("news.example", 80)


def test_allow_private_networks_passes_the_name_through_unresolved() -> None:
    sockets = Sockets()

    def resolver(host: str) -> list[str]:
        raise AssertionError("not resolved when private networks are allowed")

    GuardedNetworkBackend(
        allow_private_networks=True, resolver=resolver, inner=sockets
    ).connect_tcp("intranet.local", 8080)
    assert [(h, p) for h, p, _ in sockets.asked] == [("intranet.local", 8080)]


def test_unix_sockets_are_refused() -> None:
    with pytest.raises(BlockedURL):
        GuardedNetworkBackend(inner=Sockets()).connect_unix_socket("/var/run/docker.sock")


def test_reads_are_cut_to_the_time_left_and_end_at_the_deadline() -> None:
    inner = Stream(delay_s=0.05)
    stream = _DeadlineStream(inner)
    token = _DEADLINE.set(time.monotonic() + 0.3)
    try:
        assert stream.read(1, timeout=10) == b"x"
        assert inner.timeouts[0] is not None and inner.timeouts[0] <= 0.3
        with pytest.raises(httpcore.ReadTimeout, match="deadline"):
            while True:
                stream.read(1, timeout=10)
    finally:
        _DEADLINE.reset(token)


def test_without_a_deadline_reads_keep_their_timeout() -> None:
    inner = Stream()
    _DeadlineStream(inner).read(1, timeout=7)
    assert inner.timeouts == [7]
