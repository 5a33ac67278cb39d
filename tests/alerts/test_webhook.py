"""Standard Webhooks signing, and WebhookChannel against a real receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from alerts import WebhookChannel, alert_to_dict, retry_delay, sign, verify, webhook_body
from alerts.webhook import parse_retry_after
from tests.alerts.messages import alert

# --- signing -----------------------------------------------------------------------------

# The test vector published with the Standard Webhooks specification (and the svix
# libraries): any conforming receiver computes this signature.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

KEY = b"pledgewatch test key, 32 bytes!!"
SECRET = "whsec_cGxlZGdld2F0Y2ggdGVzdCBrZXksIDMyIGJ5dGVzISE="
OTHER_SECRET = "whsec_" + base64.b64encode(b"another key").decode()


def _headers(msg_id: str, ts: int, signature: str) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}


def test_spec_test_vector() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == SPEC_SIGNATURE
    headers = _headers(SPEC_ID, SPEC_TS, SPEC_SIGNATURE)
    assert verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TS + 10)


def test_hand_computed_vector() -> None:
    assert "whsec_" + base64.b64encode(KEY).decode() == SECRET
    body = b'{"type":"pledgewatch.alert"}'
    signed = b"d_1.1700000000." + body
    expected = "v1," + base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    assert sign(SECRET, "d_1", 1700000000, body) == expected
    assert verify(SECRET, _headers("d_1", 1700000000, expected), body, now=1700000000)


def test_verify_rejects_tampering_wrong_secret_and_stale_timestamps() -> None:
    ts = 1700000000
    good = sign(SECRET, "d_1", ts, b"{}")
    headers = _headers("d_1", ts, good)
    assert verify(SECRET, headers, b"{}", now=ts)
    assert not verify(SECRET, headers, b"{} ", now=ts)  # body tampered
    assert not verify(OTHER_SECRET, headers, b"{}", now=ts)
    assert not verify(SECRET, _headers("d_2", ts, good), b"{}", now=ts)  # id swapped
    assert not verify(SECRET, _headers("d_1", ts + 1, good), b"{}", now=ts)  # ts changed
    assert not verify(SECRET, headers, b"{}", now=ts + 301)  # too old
    assert not verify(SECRET, headers, b"{}", now=ts - 301)  # from the future
    assert verify(SECRET, headers, b"{}", now=ts + 300)
    assert not verify(SECRET, headers, b"{}", now=ts + 61, tolerance_s=60)
    assert not verify(SECRET, {**headers, "webhook-timestamp": "17e8"}, b"{}", now=ts)
    for missing in headers:
        partial = {k: v for k, v in headers.items() if k != missing}
        assert not verify(SECRET, partial, b"{}", now=ts)


def test_verify_accepts_any_of_several_signatures_and_any_header_case() -> None:
    ts = 1700000000
    good = sign(SECRET, "d_1", ts, b"{}")
    rotated = f"{sign(OTHER_SECRET, 'd_1', ts, b'{}')} {good}"
    headers = {"Webhook-Id": "d_1", "WEBHOOK-TIMESTAMP": str(ts), "webhook-signature": rotated}
    assert verify(SECRET, headers, b"{}", now=ts)
    assert verify(OTHER_SECRET, headers, b"{}", now=ts)
    # Only v1 signatures count.
    v2 = _headers("d_1", ts, good.replace("v1,", "v2,", 1))
    assert not verify(SECRET, v2, b"{}", now=ts)
    assert not verify(SECRET, _headers("d_1", ts, "v1,é"), b"{}", now=ts)


@pytest.mark.parametrize(
    "bad", ["", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_!!not*b64"]
)
def test_malformed_secret_is_a_value_error_that_does_not_show_it(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        sign(bad, "d_1", 1, b"{}")
    assert not bad or bad not in str(info.value)
    with pytest.raises(ValueError):
        verify(bad, {}, b"{}")


def test_body_is_deterministic_compact_utf8_json() -> None:
    one = alert()
    body = webhook_body(one)
    assert body == webhook_body(alert())
    assert json.loads(body) == {"type": "pledgewatch.alert", "data": alert_to_dict(one)}
    assert b", " not in body and b'": ' not in body
    assert "→".encode() in body  # UTF-8, not \\u escapes
    keys = list(json.loads(body)["data"])
    assert keys == sorted(keys)


# --- the channel against a receiver ----------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Seen:
    path: str
    webhook_id: str | None
    timestamp: str | None
    content_type: str | None
    valid: bool
    body: bytes


class Receiver:
    """A webhook receiver as a user would write one: it checks every request with verify."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.seen: list[Seen] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = dict(self.headers.items())
                receiver.seen.append(
                    Seen(
                        path=self.path,
                        webhook_id=self.headers.get("webhook-id"),
                        timestamp=self.headers.get("webhook-timestamp"),
                        content_type=self.headers.get("content-type"),
                        valid=verify(SECRET, headers, body),
                        body=body,
                    )
                )
                reply = receiver.replies.pop(0) if receiver.replies else Reply()
                time.sleep(reply.delay_s)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/pledgewatch"
        # A short poll interval: shutdown() waits up to one interval (default 0.5 s).
        serve = functools.partial(self.server.serve_forever, poll_interval=0.01)
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


Serve = Callable[..., Receiver]


@pytest.fixture
def serve() -> Iterator[Serve]:
    receivers: list[Receiver] = []

    def start(*replies: Reply) -> Receiver:
        receivers.append(Receiver(list(replies)))
        return receivers[-1]

    yield start
    for receiver in receivers:
        receiver.close()


@pytest.fixture
def channel() -> Iterator[WebhookChannel]:
    # A plain client: loopback is fine here; flows/ hands in a guarded one.
    with httpx.Client() as client:
        yield WebhookChannel(client, timeout_s=2.0)


BODY = webhook_body(alert())


def test_200_is_delivered_and_signed(serve: Serve, channel: WebhookChannel) -> None:
    receiver = serve(Reply(200))
    result = channel.send(receiver.url, SECRET, "d_0001", BODY)
    assert result.outcome == "delivered", result
    [seen] = receiver.seen
    assert seen.valid
    assert seen.webhook_id == "d_0001"
    assert seen.content_type == "application/json"
    assert seen.body == BODY
    assert seen.timestamp is not None and abs(int(seen.timestamp) - time.time()) < 5


def test_5xx_retries_keep_the_id_and_sign_each_attempt(
    serve: Serve, channel: WebhookChannel
) -> None:
    receiver = serve(Reply(500), Reply(502), Reply(503), Reply(200))
    start = time.time()
    outcomes = [
        channel.send(receiver.url, SECRET, "d_0002", BODY, now=start + 30 * i).outcome
        for i in range(4)
    ]
    assert outcomes == ["retry", "retry", "retry", "delivered"]
    assert [s.webhook_id for s in receiver.seen] == ["d_0002"] * 4
    assert all(s.valid for s in receiver.seen)
    # The timestamp is the attempt's own, so a retry is not refused as stale.
    assert [s.timestamp for s in receiver.seen] == [str(int(start + 30 * i)) for i in range(4)]


def test_429_retry_after_seconds(serve: Serve, channel: WebhookChannel) -> None:
    receiver = serve(Reply(429, {"Retry-After": "7"}))
    result = channel.send(receiver.url, SECRET, "d_0003", BODY)
    assert (result.outcome, result.retry_after_s) == ("retry", 7)


def test_503_retry_after_http_date(serve: Serve, channel: WebhookChannel) -> None:
    now = float(int(time.time()))
    receiver = serve(Reply(503, {"Retry-After": formatdate(now + 120, usegmt=True)}))
    result = channel.send(receiver.url, SECRET, "d_0004", BODY, now=now)
    assert (result.outcome, result.retry_after_s) == ("retry", 120)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(204, "delivered"), (408, "retry"), (410, "disabled"), (400, "failed"), (404, "failed")],
)
def test_status_codes(serve: Serve, channel: WebhookChannel, status: int, outcome: str) -> None:
    receiver = serve(Reply(status))
    result = channel.send(receiver.url, SECRET, "d_0005", BODY)
    assert result.outcome == outcome, result
    assert result.retry_after_s is None


def test_redirect_is_failed_and_not_followed(serve: Serve, channel: WebhookChannel) -> None:
    receiver = serve(Reply(302, {"Location": "/elsewhere"}), Reply(200))
    result = channel.send(receiver.url, SECRET, "d_0006", BODY)
    assert result.outcome == "failed", result
    assert "redirects are not followed" in result.detail
    assert [s.path for s in receiver.seen] == ["/hooks/pledgewatch"]


def test_slow_receiver_is_retry(serve: Serve) -> None:
    receiver = serve(Reply(200, delay_s=1.0))
    with httpx.Client() as client:
        result = WebhookChannel(client, timeout_s=0.2).send(receiver.url, SECRET, "d_7", BODY)
    assert result.outcome == "retry", result
    assert "timed out" in result.detail


def test_closed_port_is_retry(channel: WebhookChannel) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = channel.send(f"http://127.0.0.1:{port}/", SECRET, "d_0008", BODY)
    assert result.outcome == "retry", result
    assert "ConnectError" in result.detail


def test_unusable_url_is_failed(channel: WebhookChannel) -> None:
    result = channel.send("ftp://127.0.0.1/hook", SECRET, "d_0009", BODY)
    assert result.outcome == "failed", result


def test_secret_never_in_the_result(serve: Serve, channel: WebhookChannel) -> None:
    receiver = serve(Reply(500))
    result = channel.send(receiver.url, SECRET, "d_0010", BODY)
    assert result.outcome == "retry"
    assert SECRET not in repr(result) and SECRET[6:] not in repr(result)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("99999999", 86400.0),  # capped at a day
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: now
        ("Wed, 21 Oct 2015 07:30:00 GMT", 120.0),
        ("Fri, 21 Oct 2016 07:28:00 GMT", 86400.0),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse_retry_after(value, now=now) == seconds


# --- retry_delay ---------------------------------------------------------------------------


def test_retry_delay_is_full_jitter_within_the_exponential_ceiling() -> None:
    rng = random.Random(1)
    for attempt in range(1, 12):
        ceiling = min(3600, 30 * 2 ** (attempt - 1))
        delays = [retry_delay(attempt, base_s=30, rng=rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        # Full jitter: the delays spread over the whole range, not just near the top.
        assert min(delays) < ceiling * 0.1 and max(delays) > ceiling * 0.9


def test_retry_delay_is_deterministic_with_a_seeded_random() -> None:
    first = [retry_delay(a, base_s=10, rng=random.Random(7)) for a in range(1, 6)]
    second = [retry_delay(a, base_s=10, rng=random.Random(7)) for a in range(1, 6)]
    assert first == second
    assert retry_delay(3, base_s=10, rng=random.Random(7)) == random.Random(7).uniform(0, 40)


def test_retry_delay_never_undercuts_retry_after() -> None:
    rng = random.Random(3)
    assert all(retry_delay(1, base_s=1, retry_after_s=7, rng=rng) == 7 for _ in range(50))
    # Above the cap too: the receiver said when, and it is not called earlier.
    assert retry_delay(2, base_s=1, cap_s=60, retry_after_s=600, rng=rng) == 600
    # A short Retry-After does not shorten a longer backoff.
    delays = [retry_delay(8, base_s=30, retry_after_s=1, rng=rng) for _ in range(50)]
    assert all(d >= 1 for d in delays) and max(delays) > 100


def test_retry_delay_bounds() -> None:
    assert retry_delay(5000, base_s=30, cap_s=90, rng=random.Random(0)) <= 90
    assert retry_delay(1, base_s=0, rng=random.Random(0)) == 0
    with pytest.raises(ValueError):
        retry_delay(0, base_s=30)
    with pytest.raises(ValueError):
        retry_delay(1, base_s=-1)


# --- the receiver example in docs/webhooks.md -------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def test_docs_example_verifies_what_the_channel_signs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    check = namespace["verify_pledgewatch"]
    ts = int(time.time())
    headers = _headers("d_1", ts, f"v1,bogus {sign(SECRET, 'd_1', ts, BODY)}")
    assert check(SECRET, headers, BODY) is True
    assert check(SECRET, headers, BODY + b" ") is False
    assert check(OTHER_SECRET, headers, BODY) is False
    stale = _headers("d_1", ts - 301, sign(SECRET, "d_1", ts - 301, BODY))
    assert check(SECRET, stale, BODY) is False
    assert check(SECRET, {**headers, "webhook-signature": "v1,é"}, BODY) is False
