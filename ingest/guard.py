"""The SSRF guard: which URLs ``fetch`` may request.

Feed entries and redirects are chosen by strangers, so before every hop we check the
scheme and the addresses the host resolves to, and refuse anything that is not a
public unicast address (loopback, RFC 1918, link-local and cloud metadata 169.254/16,
CGNAT 100.64/10, reserved, multicast, unspecified, IPv4-mapped IPv6, ...).

``guard_url`` resolves the name, then the connection resolves it again, so on its own
it would let DNS rebinding through (a DNS server that answers differently the second
time). It is the early check, which names the URL and the hop; the binding one is at
connect time, in ingest/transport.py, which resolves once, applies
``is_public_address`` to every answer and connects to the address it checked.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable

import httpx

from ingest.errors import BlockedURL, FetchError

__all__ = ["Resolver", "guard_url", "is_public_address", "parse_ip_literal", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A resolver maps a host name to the IP addresses (as text) a connection could use.
Resolver = Callable[[str], Iterable[str]]

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Ranges that ipaddress's flags do not all cover in every 3.11 patch release
# (the is_private/is_global tables changed in 3.11.10 / 3.12.4); listed so the
# answer does not depend on the patch level.
_EXTRA_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "100.64.0.0/10",  # CGNAT, RFC 6598
        "192.0.0.0/24",  # IETF protocol assignments, RFC 6890
        "192.0.2.0/24",  # documentation, RFC 5737
        "198.18.0.0/15",  # benchmarking, RFC 2544
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
        "64:ff9b::/96",  # NAT64, RFC 6052: would reach any IPv4 address, private ones too
        "64:ff9b:1::/48",  # local-use NAT64, RFC 8215
        "100::/64",  # discard-only, RFC 6666
        "2001:db8::/32",  # documentation, RFC 3849
        "fc00::/7",  # unique local, RFC 4193
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local, RFC 3879
    )
)

# Only these characters can make up an inet_aton-style number ("0x7f.1", "017700000001").
_NUMERIC_HOST = re.compile(r"^[0-9a-fA-FxX.]+$")
_HEX_PART = re.compile(r"0[xX][0-9a-fA-F]+")
_OCT_PART = re.compile(r"0[0-7]*")
_DEC_PART = re.compile(r"[1-9][0-9]*")


def is_public_address(ip: IPAddress) -> bool:
    """True only for a public unicast address that a fetch may connect to."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            # ::ffff:a.b.c.d reaches a.b.c.d; refused outright rather than unwrapped
            # because no public news site needs it.
            return False
        # 6to4 and Teredo embed an IPv4 address that a relay may forward to.
        if ip.sixtofour is not None and not is_public_address(ip.sixtofour):
            return False
        if ip.teredo is not None and not is_public_address(ip.teredo[1]):
            return False
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        return False
    return not any(ip.version == net.version and ip in net for net in _EXTRA_BLOCKED)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells, or None when it is a name.

    Accepts what the C resolver accepts, so we judge the address a connection would
    really use: dotted quads, IPv6 (with or without brackets or a %zone), and the
    inet_aton forms "2130706433", "0x7f000001", "0177.0.0.1", "127.1".
    """
    host = host.strip().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]  # drop an IPv6 zone id ("fe80::1%eth0")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_HOST.match(host):
        return None
    value = _inet_aton(host)
    return None if value is None else ipaddress.IPv4Address(value)


def _inet_aton(text: str) -> int | None:
    # The BSD/glibc inet_aton grammar: 1 to 4 parts, each decimal, octal (leading 0) or
    # hex (0x); the last part fills all the remaining bytes. Written out rather than
    # calling socket.inet_aton so the result does not depend on the platform's libc.
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        if _HEX_PART.fullmatch(part):
            numbers.append(int(part[2:], 16))
        elif _OCT_PART.fullmatch(part):
            numbers.append(int(part, 8))
        elif _DEC_PART.fullmatch(part):
            numbers.append(int(part, 10))
        else:  # "", "09", "0xg", "0x0x1", ...
            return None
    *head, last = numbers
    if any(n > 0xFF for n in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    value = 0
    for n in head:
        value = (value << 8) | n
    return (value << (8 * (4 - len(head)))) | last


def system_resolver(host: str) -> list[str]:
    """Resolve ``host`` with the system resolver (what httpx will use to connect)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def guard_url(
    url: str | httpx.URL,
    *,
    allow_private_networks: bool = False,
    resolver: Resolver | None = None,
) -> None:
    """Raise ``BlockedURL`` unless ``url`` is http(s) and every address of its host is public.

    With ``allow_private_networks`` only the scheme is checked and nothing is resolved
    (tests and intranet deployments). Resolution failures raise ``FetchError``.
    """
    source = str(url)
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise BlockedURL(source, f"invalid URL ({exc})") from exc
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise BlockedURL(source, f"scheme {parsed.scheme!r} is not allowed (http/https only)")
    # raw_host is the ASCII (IDNA) form httpx sends to the resolver when it connects.
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise BlockedURL(source, "URL has no host")
    if allow_private_networks:
        return

    literal = parse_ip_literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            resolved = list((resolver or system_resolver)(host))
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            raise FetchError(source, f"cannot resolve host {host!r}: {exc}") from exc
        addresses = []
        for text in resolved:
            ip = parse_ip_literal(text)
            if ip is None:
                raise BlockedURL(source, f"resolver returned a non-address {text!r}")
            addresses.append(ip)
        if not addresses:
            raise FetchError(source, f"host {host!r} resolved to no address")

    # Every address must pass: the connection may use any of them.
    for ip in addresses:
        if not is_public_address(ip):
            raise BlockedURL(source, f"host {host!r} is a non-public address ({ip})")
