"""Fixtures for the ingest tests.

``httpserver`` is overridden here with a server bound to 127.0.0.1 explicitly (the
plugin's default host is "localhost", whose resolution is up to /etc/hosts) and
threaded, so a test that leaves a slow response dripping cannot hold up the next one.
Nothing in these tests talks to any address but loopback.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer

from ingest import make_client


@pytest.fixture(scope="session")
def _loopback_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def httpserver(_loopback_server: HTTPServer) -> Iterator[HTTPServer]:
    _loopback_server.clear()
    yield _loopback_server
    # A handler that raised (e.g. an assertion inside it) fails the test here.
    _loopback_server.check_handler_errors()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """The guarded client, allowed onto loopback: every server here is on 127.0.0.1.

    fetch() still checks before each hop with its own allow_private_networks, so a
    test that leaves that off sees the early refusal.
    """
    with make_client(allow_private_networks=True) as c:
        yield c
