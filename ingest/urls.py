"""URL helpers: one canonical spelling per article, and the http(s) test.

The canonical form is used to recognise the same article reached through different
links (feed link vs. tracking link vs. rel=canonical), so it only removes what never
changes the resource: case of scheme and host (RFC 3986 §6.2.2.1), default ports
(§6.2.3), the fragment (never sent to the server) and well-known tracking parameters.
Everything else, including the order and the exact escaping of the other query
parameters, is kept byte for byte: reordering or re-encoding could change the meaning
for servers that care.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

__all__ = ["canonical_url", "is_http_url"]

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_TRACKING_PARAMS = frozenset({"fbclid", "gclid"})


def is_http_url(url: str) -> bool:
    """True when ``url`` is an absolute http or https URL with a host."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[::1" (unbalanced bracket)
        return False


def canonical_url(url: str) -> str:
    """Return ``url`` in canonical form (see the module docstring for what changes).

    >>> canonical_url("HTTPS://Example.COM:443/a?utm_source=x&id=7#top")
    'https://example.com/a?id=7'
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = _canonical_netloc(parts.netloc, scheme)
    path = parts.path
    if scheme in _DEFAULT_PORTS and netloc and not path:
        path = "/"  # "http://a.b" and "http://a.b/" are the same resource (RFC 3986 §6.2.3)
    return urlunsplit((scheme, netloc, path, _strip_tracking(parts.query), ""))


def _canonical_netloc(netloc: str, scheme: str) -> str:
    # Split by hand rather than through SplitResult.port, which raises on odd ports:
    # a normaliser fed with links from the wild should not fail on them.
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal: the port, if any, follows "]"
        end = hostport.find("]")
        host, port = (hostport, "") if end < 0 else (hostport[: end + 1], hostport[end + 1 :])
        port = port.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    host = host.lower()
    if port and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{userinfo}{at}{host}"


def _is_tracking(name: str) -> bool:
    name = unquote_plus(name).lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def _strip_tracking(query: str) -> str:
    if not query:
        return ""
    kept = [p for p in query.split("&") if p and not _is_tracking(p.partition("=")[0])]
    return "&".join(kept)
