"""canonical_url and is_http_url."""

from __future__ import annotations

import pytest

from ingest import canonical_url, is_http_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM/A/B", "https://news.example.com/A/B"),  # path case kept
        ("http://news.example:80/a", "http://news.example/a"),
        ("https://news.example:443/a", "https://news.example/a"),
        ("https://news.example:8443/a", "https://news.example:8443/a"),
        ("http://news.example:443/a", "http://news.example:443/a"),  # not http's default
        ("https://news.example/a#comments", "https://news.example/a"),
        ("https://news.example", "https://news.example/"),
        (
            "https://news.example/a?utm_source=rss&id=7&UTM_Medium=x&fbclid=abc&gclid=1&p=2",
            "https://news.example/a?id=7&p=2",
        ),
        ("https://news.example/a?utm_source=rss", "https://news.example/a"),
        ("https://news.example/a?b=2&a=1", "https://news.example/a?b=2&a=1"),  # order kept
        ("https://news.example/a?q=x%20y&r=a+b", "https://news.example/a?q=x%20y&r=a+b"),
        ("https://news.example/a?flag&utm_x=1", "https://news.example/a?flag"),
        ("https://news.example/a?gclidx=1", "https://news.example/a?gclidx=1"),  # token, not prefix
        ("http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"),
        ("http://User:Pass@News.Example:8080/x", "http://User:Pass@news.example:8080/x"),
        ("  https://news.example/a  ", "https://news.example/a"),
    ],
)
def test_canonical_url(url: str, expected: str):
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent():
    once = canonical_url("HTTP://A.Example:80/x?utm_id=1&k=v#f")
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://news.example/", True),
        ("HTTPS://news.example/a", True),
        ("ftp://news.example/", False),
        ("javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("/relative/path", False),
        ("//news.example/a", False),
        ("http://", False),
        ("http://[::1", False),
        ("", False),
    ],
)
def test_is_http_url(url: str, expected: bool):
    assert is_http_url(url) is expected
