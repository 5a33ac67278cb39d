"""SSRF: which addresses the guarded client connects to, checked when it connects.

Every scenario runs the real client (ingest.make_client) over FakeInternet: real
sockets go to 127.0.0.1 only, and ``internet.attempts`` shows each connection the
guard let through (conftest.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from alerts import SendResult, SmtpChannel, WebhookChannel
from flows import steps
from flows.config import Settings, Topic, WebhookChannelConfig, load_topic
from flows.delivery import Senders, send_test
from ingest import BlockedURL, FetchError, fetch
from tests.conftest import DEMO_TOPIC
from tests.security.conftest import (
    PUBLIC,
    UNROUTED,
    ClientFactory,
    Conn,
    FakeInternet,
    HostileServer,
    StubResolver,
    make_certs,
)

FEED = b'<rss version="2.0"><channel><title>ok</title></channel></rss>'
NEWS = StubResolver({"news.example": [PUBLIC]})


def _ok(conn: Conn) -> None:
    conn.respond(200, FEED, {"Content-Type": "application/rss+xml"})


# --- the connection goes to the address that was checked -------------------------------


def test_public_name_is_pinned_to_the_checked_address_and_keeps_its_host_header(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    server.route("/feed", _ok)
    resolver = StubResolver({"news.example": [PUBLIC]})
    client = guarded(resolver)

    got = fetch(client, "http://news.example/feed", resolver=resolver)

    assert got.body == FEED
    assert internet.attempts == [(PUBLIC, 80)]  # the address, never the name
    assert server.seen[0].headers["host"] == "news.example"
    # Resolved once by fetch's early check, once by the transport to connect: the
    # connection used the transport's own answer, which it had checked.
    assert resolver.asked == ["news.example", "news.example"]


def test_https_keeps_sni_and_certificate_checks_for_the_host_name(
    tmp_path: Path, guarded: ClientFactory
) -> None:
    certs = make_certs("news.example")
    tls = HostileServer(tls=certs.server_context(tmp_path))
    tls.route("/feed", _ok)
    internet = FakeInternet({PUBLIC: tls.port})
    try:
        client = guarded(NEWS, network_backend=internet, ssl_context=certs.client_context())
        got = fetch(client, "https://news.example/feed", resolver=NEWS)
    finally:
        tls.close()
    assert got.body == FEED
    assert internet.attempts == [(PUBLIC, 443)]
    [seen] = tls.seen
    assert (seen.sni, seen.headers["host"]) == ("news.example", "news.example")


def test_https_certificate_for_another_name_is_refused(
    tmp_path: Path, guarded: ClientFactory
) -> None:
    certs = make_certs("other.example")
    tls = HostileServer(tls=certs.server_context(tmp_path))
    tls.route("/feed", _ok)
    internet = FakeInternet({PUBLIC: tls.port})
    try:
        client = guarded(NEWS, network_backend=internet, ssl_context=certs.client_context())
        with pytest.raises(FetchError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
            fetch(client, "https://news.example/feed", resolver=NEWS)
    finally:
        tls.close()
    assert tls.seen == []  # no request was sent over the unverified connection


# --- names and addresses that are refused before any socket ----------------------------


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["10.0.0.5"],
        ["169.254.169.254"],  # cloud metadata
        ["100.64.0.1"],  # CGNAT
        ["0.0.0.0"],
        ["::1"],
        ["::ffff:127.0.0.1"],  # IPv4-mapped
        ["fd00::1"],
        ["224.0.0.1"],
        [PUBLIC, "10.0.0.7"],  # one private answer among public ones
        ["10.0.0.7", PUBLIC],
    ],
)
def test_name_resolving_to_a_non_public_address_is_refused_at_connect_time(
    internet: FakeInternet, guarded: ClientFactory, answer: list[str]
) -> None:
    client = guarded(StubResolver({"intranet.example": answer}))

    # Straight to the client: no early check by fetch, only the transport's.
    with pytest.raises(BlockedURL, match="connect time"):
        client.get("http://intranet.example/")

    assert internet.attempts == []


def test_dns_rebinding_is_caught_at_connect_time(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    server.route("/", _ok)
    # Public for the early check, loopback when the transport resolves to connect.
    rebinding = StubResolver({"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
    client = guarded(rebinding)

    with pytest.raises(BlockedURL, match=r"127\.0\.0\.1.*connect time") as info:
        fetch(client, "http://rebind.example/feed", resolver=rebinding)

    assert info.value.source == "http://rebind.example/feed"
    assert rebinding.asked == ["rebind.example", "rebind.example"]
    assert internet.attempts == [] and server.seen == []


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "0x7f000001", "2130706433", "127.1", "[::1]", "[::ffff:7f00:1]", "0"]
)
def test_loopback_spellings_are_refused_at_connect_time(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory, host: str
) -> None:
    client = guarded()
    with pytest.raises((BlockedURL, httpx.InvalidURL)):
        client.get(f"http://{host}:{server.port}/")
    assert internet.attempts == [] and server.seen == []


def test_private_addresses_are_reachable_only_with_the_setting(
    server: HostileServer, guarded: ClientFactory
) -> None:
    server.route("/feed", _ok)
    allowed = guarded(allow_private_networks=True)
    assert fetch(allowed, server.url("/feed"), allow_private_networks=True).body == FEED
    with pytest.raises(BlockedURL):
        guarded().get(server.url("/feed"))
    assert server.paths == ["/feed"]


# --- schemes, and URLs that are not what they seem --------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/feed",
        "gopher://127.0.0.1:70/_GET",
        "data:text/xml,<rss/>",
        "http:\\\\127.0.0.1\\x",
        "http:/\\127.0.0.1/x",
        "\\\\127.0.0.1\\share",
    ],
)
def test_other_schemes_and_backslash_urls_are_refused_without_a_connection(
    internet: FakeInternet, guarded: ClientFactory, url: str
) -> None:
    asked = StubResolver({})
    client = guarded(asked)
    with pytest.raises(BlockedURL):
        fetch(client, url, allow_private_networks=True, resolver=asked)
    assert internet.attempts == [] and asked.asked == []


# --- redirects: every hop is checked ----------------------------------------------------


def test_redirect_to_a_private_name_is_refused(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    server.route("/start", lambda c: c.respond(302, headers={"Location": "http://metadata/x"}))
    resolver = StubResolver({"news.example": [PUBLIC], "metadata": ["169.254.169.254"]})

    with pytest.raises(BlockedURL, match=re.escape("169.254.169.254")) as info:
        fetch(guarded(resolver), "http://news.example/start", resolver=resolver)

    assert info.value.source == "http://news.example/start"
    assert "after 1 redirects" in str(info.value)
    assert internet.attempts == [(PUBLIC, 80)]
    assert server.paths == ["/start"]


def test_redirect_to_loopback_is_refused_even_when_httpx_follows_it(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    secret = server.url("/secret")
    server.route("/start", lambda c: c.respond(302, headers={"Location": secret}))
    server.route("/secret", lambda c: c.respond(200, b"internal"))

    # Following redirects inside httpx skips fetch's per-hop check: the transport's
    # check on each connection still holds.
    with pytest.raises(BlockedURL, match="connect time"):
        guarded(NEWS).get("http://news.example/start", follow_redirects=True)

    assert internet.attempts == [(PUBLIC, 80)]
    assert server.paths == ["/start"]


def test_redirect_to_a_rebinding_name_is_refused(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    server.route("/start", lambda c: c.respond(302, headers={"Location": "http://r.example/"}))
    resolver = StubResolver({"news.example": [PUBLIC], "r.example": [[UNROUTED], ["10.1.1.1"]]})

    with pytest.raises(BlockedURL, match=r"10\.1\.1\.1"):
        fetch(guarded(resolver), "http://news.example/start", resolver=resolver)

    assert internet.attempts == [(PUBLIC, 80)]


def test_redirect_with_backslashes_goes_nowhere(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    # Browsers read "http:\\127.0.0.1\secret" as http://127.0.0.1/secret (WHATWG);
    # httpx (RFC 3986) finds no host in it and refuses it as unusable.
    location = "http:\\\\127.0.0.1\\secret"
    server.route("/start", lambda c: c.respond(302, headers={"Location": location}))

    with pytest.raises(BlockedURL, match="unusable URL"):
        fetch(guarded(NEWS), "http://news.example/start", resolver=NEWS)

    assert internet.attempts == [(PUBLIC, 80)]
    assert server.paths == ["/start"]


# --- the same client for webhooks ----------------------------------------------------


SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = b'{"type":"pledgewatch.alert"}'


def test_webhook_to_a_private_or_rebinding_name_is_refused(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    server.route("/hook", lambda c: c.respond(204))
    resolver = StubResolver(
        {"hooks.example": [PUBLIC], "intra.example": ["10.0.0.9"], "rb.example": [["127.0.0.1"]]}
    )
    channel = WebhookChannel(guarded(resolver), timeout_s=2)

    assert channel.send("http://hooks.example/hook", SECRET, "d_1", BODY).outcome == "delivered"
    for url in ("http://intra.example/hook", "http://rb.example/hook"):
        with pytest.raises(BlockedURL, match="connect time"):
            channel.send(url, SECRET, "d_2", BODY)
    assert internet.attempts == [(PUBLIC, 80)]
    assert server.paths == ["/hook"]


def _topic_with_hook(url: str) -> Topic:
    topic = load_topic(DEMO_TOPIC)
    hook = WebhookChannelConfig(name="hook", type="webhook", url=url, secret_env="HOOK_SECRET")
    alerts = topic.config.alerts.model_copy(update={"channels": [hook]})
    return replace(topic, config=topic.config.model_copy(update={"alerts": alerts}))


def test_delivery_reports_a_refused_webhook_as_failed(
    server: HostileServer, internet: FakeInternet, guarded: ClientFactory
) -> None:
    server.route("/hook", lambda c: c.respond(204))
    env = {"HOOK_SECRET": SECRET}
    senders = Senders(SmtpChannel(), WebhookChannel(guarded(), timeout_s=2))

    ok = send_test(
        _topic_with_hook(f"http://{PUBLIC}/hook"), "hook", senders,
        allow_private_networks=False, env=env,
    )  # fmt: skip
    # The early check is skipped (as if the settings disagreed); the client refuses.
    refused = send_test(
        _topic_with_hook("http://10.0.0.9/hook"), "hook", senders,
        allow_private_networks=True, env=env,
    )  # fmt: skip

    assert ok.outcome == "delivered", ok
    assert refused == SendResult("failed", refused.detail)
    assert "10.0.0.9" in refused.detail and "connect time" in refused.detail
    assert internet.attempts == [(PUBLIC, 80)]


def test_build_runtime_hands_out_the_guarded_client(tmp_path: Path, server: HostileServer) -> None:
    server.route("/", lambda c: c.respond(200, b"ok"))
    for allow in (False, True):
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / f'{allow}.db'}",
            data_dir=tmp_path,
            allow_private_networks=allow,
        )
        rt = steps.build_runtime(settings, resolver=StubResolver({}))
        try:
            if allow:
                assert rt.client.get(server.url("/")).content == b"ok"
            else:
                with pytest.raises(BlockedURL, match="connect time"):
                    rt.client.get(server.url("/"))
        finally:
            rt.close()
    assert server.paths == ["/"]
