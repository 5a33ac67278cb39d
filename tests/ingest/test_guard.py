"""The SSRF guard, with stubbed resolvers only: nothing here opens a socket."""

from __future__ import annotations

import ipaddress
import re
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import BlockedURL, FetchError, guard_url, is_public_address, parse_ip_literal

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


class StubResolver:
    """Answers every name with fixed addresses and records what it was asked."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = list(addresses)
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        return self.addresses


NON_PUBLIC = [
    "127.0.0.1",
    "127.255.255.254",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "100.127.255.255",
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:93.184.216.34",  # mapped is refused even for a public IPv4
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2001:db8::1",  # documentation
]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_host_resolving_to_non_public_address_is_blocked(address: str):
    resolver = StubResolver(address)

    with pytest.raises(BlockedURL) as info:
        guard_url("http://news.example/feed", resolver=resolver)

    assert resolver.asked == ["news.example"]
    assert info.value.source == "http://news.example/feed"
    assert "news.example" in str(info.value)


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, "8.8.8.8", "1.1.1.1"])
def test_host_resolving_to_public_address_passes(address: str):
    resolver = StubResolver(address)
    guard_url("https://news.example/a?b=c", resolver=resolver)  # no exception
    assert resolver.asked == ["news.example"]


def test_one_private_address_among_public_ones_blocks():
    # The connection may use any of the addresses, so all must pass.
    with pytest.raises(BlockedURL, match=re.escape("10.0.0.7")):
        guard_url("http://news.example/", resolver=StubResolver(PUBLIC_V4, "10.0.0.7"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.0.0.1/",
        "http://017700000001/",
        "http://10.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0/",
    ],
)
def test_numeric_spellings_are_judged_as_addresses_not_names(url: str):
    # The stub would call anything public: only reading the literal can block these.
    resolver = StubResolver(PUBLIC_V4)
    with pytest.raises(BlockedURL):
        guard_url(url, resolver=resolver)
    assert resolver.asked == []


def test_octal_dotted_quad_is_blocked():
    # httpx itself refuses "0177.0.0.1"; either way it must not get through.
    with pytest.raises(BlockedURL):
        guard_url("http://0177.0.0.1/", resolver=StubResolver(PUBLIC_V4))


def test_public_literal_passes_without_resolving():
    resolver = StubResolver("127.0.0.1")
    guard_url(f"http://{PUBLIC_V4}/", resolver=resolver)
    guard_url(f"http://[{PUBLIC_V6}]:8443/", resolver=resolver)
    assert resolver.asked == []


def test_idn_host_is_resolved_in_its_ascii_form():
    resolver = StubResolver(PUBLIC_V4)
    guard_url("http://bücher.example/", resolver=resolver)
    assert resolver.asked == ["xn--bcher-kva.example"]


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://news.example/", "gopher://x/", "javascript:alert(1)", "data:,x"],
)
def test_non_http_schemes_are_blocked_even_when_private_networks_are_allowed(url: str):
    with pytest.raises(BlockedURL, match=r"scheme|host"):
        guard_url(url, allow_private_networks=True, resolver=StubResolver(PUBLIC_V4))


def test_allow_private_networks_skips_the_address_check_and_resolution():
    resolver = StubResolver("127.0.0.1")
    guard_url("http://localhost:8080/feed", allow_private_networks=True, resolver=resolver)
    guard_url("http://10.0.0.1/", allow_private_networks=True, resolver=resolver)
    assert resolver.asked == []


def test_resolution_failure_is_a_fetch_error_not_a_block():
    def failing(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchError, match="cannot resolve") as info:
        guard_url("http://nowhere.example/", resolver=failing)
    assert type(info.value) is FetchError


def test_resolver_returning_nothing_is_a_fetch_error():
    with pytest.raises(FetchError, match="no address"):
        guard_url("http://nowhere.example/", resolver=StubResolver())


def test_resolver_returning_garbage_is_blocked():
    with pytest.raises(BlockedURL):
        guard_url("http://news.example/", resolver=StubResolver("not-an-ip"))


def test_resolver_answer_with_ipv6_zone_is_understood():
    with pytest.raises(BlockedURL):
        guard_url("http://news.example/", resolver=StubResolver("fe80::1%eth0"))


# --- parse_ip_literal: inet_aton semantics, without the platform's libc ----------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.2", "10.1.0.2"),
        ("0", "0.0.0.0"),
        ("[::1]", "::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
    ],
)
def test_parse_ip_literal_reads_every_spelling(text: str, expected: str):
    assert parse_ip_literal(text) == ipaddress.ip_address(expected)


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "cafe",
        "deadbeef",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.65536",
        "4294967296",
        "09",
        "0x1g",
        "0x0x1",
        "0x",
        "1..2",
        "",
    ],
)
def test_parse_ip_literal_rejects_names_and_out_of_range_numbers(text: str):
    assert parse_ip_literal(text) is None


@given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(["dec", "hex", "oct"]))
def test_parse_ip_literal_agrees_with_inet_aton_on_single_numbers(value: int, base: str):
    text = {"dec": str(value), "hex": hex(value), "oct": "0" + format(value, "o")}[base]
    expected = ipaddress.IPv4Address(socket.inet_aton(text))  # libc parse, no network
    assert parse_ip_literal(text) == expected == ipaddress.IPv4Address(value)


@given(st.lists(st.integers(min_value=0, max_value=255), min_size=4, max_size=4))
def test_parse_ip_literal_agrees_with_inet_aton_on_mixed_base_quads(octets: list[int]):
    spelled = ".".join(
        [str(octets[0]), hex(octets[1]), "0" + format(octets[2], "o"), str(octets[3])]
    )
    assert parse_ip_literal(spelled) == ipaddress.IPv4Address(socket.inet_aton(spelled))


def test_is_public_address_direct():
    assert is_public_address(ipaddress.ip_address(PUBLIC_V4))
    assert is_public_address(ipaddress.ip_address(PUBLIC_V6))
    assert not is_public_address(ipaddress.ip_address("100.100.100.100"))
    assert not is_public_address(ipaddress.ip_address("::ffff:8.8.8.8"))
