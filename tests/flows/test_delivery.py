"""Delivery end to end: the demo's alerts reach a real SMTP server and a real webhook
receiver on 127.0.0.1, through failures, retries and a killed sender, exactly once
per channel by Message-ID and webhook-id."""

from __future__ import annotations

import base64
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from alerts import SmtpChannel, WebhookChannel, verify
from flows import steps
from flows.config import load_topic
from flows.delivery import Senders, channel_policies, deliver_due
from storage import DeliveryState
from tests.conftest import DEMO_TOPIC
from tests.flows.conftest import run_pipeline

SECRET = "whsec_" + base64.b64encode(b"pledgewatch-test-key-0123456789ab").decode()
ENV = {"PLEDGEWATCH_HOOK_SECRET": SECRET}


@dataclass
class Mailbox:
    """An aiosmtpd handler: answers 451 to the first ``refuse`` messages, keeps the rest."""

    refuse: int = 0
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 mailbox busy, try later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


class Receiver:
    """A webhook receiver that verifies signatures, fails the first ``fail`` requests
    with 500, can hold one request until released, and dedupes by webhook-id."""

    def __init__(self, fail: int = 0, hold_first: bool = False) -> None:
        self.fail = fail
        self.hold_first = hold_first
        self.held = threading.Event()
        self.release = threading.Event()
        self.accepted: Counter[str] = Counter()
        self.seen: list[str] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if not verify(SECRET, headers, body):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                msg_id = headers["webhook-id"]
                with receiver.lock:
                    receiver.seen.append(msg_id)
                    hold = receiver.hold_first
                    receiver.hold_first = False
                    failing = receiver.fail > 0
                    if failing:
                        receiver.fail -= 1
                if hold:
                    receiver.held.set()
                    receiver.release.wait(30)
                    return  # the sender was killed meanwhile: nothing to answer
                if failing:
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver.lock:
                    receiver.accepted[msg_id] += 1  # a real receiver drops a repeat id
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox(refuse=1)
    with socket.socket() as probe:  # aiosmtpd needs a real port to check it is up
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _topic_with_channels(tmp_path: Path, smtp_port: int, hook_url: str) -> Path:
    folder = tmp_path / "topic"
    import shutil

    shutil.copytree(DEMO_TOPIC, folder)
    channels = f"""[alerts]

[[alerts.channels]]
name = "desk-email"
type = "email"
to = ["desk@example.org"]
from = "pledgewatch@example.org"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_security = "none"
min_severity = "low"
retry_base_seconds = 0

[[alerts.channels]]
name = "desk-hook"
type = "webhook"
url = "{hook_url}"
secret_env = "PLEDGEWATCH_HOOK_SECRET"
min_severity = "low"
retry_base_seconds = 0
max_attempts = 8
"""
    toml = (folder / "topic.toml").read_text(encoding="utf-8")
    assert "[alerts]\nchannels = []\n" in toml
    (folder / "topic.toml").write_text(
        toml.replace("[alerts]\nchannels = []\n", channels), encoding="utf-8"
    )
    return folder


def _save_demo_alerts(runtime: steps.Runtime, folder: Path, demo_url: str) -> Any:
    topic = steps.with_feed_urls(load_topic(folder), {"summit-watch-demo": f"{demo_url}/feed.xml"})
    saved, _ = run_pipeline(runtime, topic, channels=channel_policies(topic))
    assert saved.deliveries_new > 0
    return topic


def test_every_alert_arrives_once_per_channel_through_failures(
    runtime: steps.Runtime, tmp_path: Path, mailbox: tuple[Mailbox, int], demo_url: str
) -> None:
    box, port = mailbox
    receiver = Receiver(fail=3)
    try:
        topic = _save_demo_alerts(
            runtime, _topic_with_channels(tmp_path, port, receiver.url), demo_url
        )
        senders = Senders(SmtpChannel(), WebhookChannel(runtime.client))
        for _ in range(10):  # bounded: each pass sends what is due now
            summary = deliver_due(
                topic, runtime.store, runtime.outbox, senders,
                allow_private_networks=True, env=ENV,
            )  # fmt: skip
            if summary.attempted == 0:
                break
        deliveries = runtime.outbox.deliveries(topic.name)
        assert {d.state for d in deliveries} == {DeliveryState.DELIVERED}
        alerts = runtime.store.alerts(topic.name)
        hooks = [d for d in deliveries if d.channel == "desk-hook"]
        assert sorted(a for d in hooks for a in d.alert_ids) == sorted(a.id for a in alerts)
        # Webhooks: three 500s were retried with the same id; each id accepted once.
        assert set(receiver.accepted) == {d.id for d in hooks}
        assert set(receiver.accepted.values()) == {1}
        assert len(receiver.seen) == len(hooks) + 3
        assert receiver.bad_signatures == 0
        # Email: one 451 retried; high alerts one per mail, the rest in one digest.
        mails = [d for d in deliveries if d.channel == "desk-email"]
        ids = Counter(m["Message-ID"] for m in box.messages)
        assert set(ids) == {f"<{d.id}@example.org>" for d in mails}
        assert set(ids.values()) == {1}
        assert {d.kind for d in mails} == {"alert", "digest"}
        assert sum(d.attempts for d in mails) == len(mails) + 1
    finally:
        receiver.close()


def test_a_sender_killed_mid_delivery_is_resumed_with_the_same_id(
    runtime: steps.Runtime, tmp_path: Path, mailbox: tuple[Mailbox, int], demo_url: str
) -> None:
    _box, port = mailbox
    receiver = Receiver(hold_first=True)
    try:
        folder = _topic_with_channels(tmp_path, port, receiver.url)
        topic = _save_demo_alerts(runtime, folder, demo_url)
        env = {
            **os.environ,
            **ENV,
            "PLEDGEWATCH_DATABASE_URL": runtime.settings.resolved_database_url(),
            "PLEDGEWATCH_ALLOW_PRIVATE_NETWORKS": "true",
            "PLEDGEWATCH_DELIVERY_LEASE_S": "2",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "deliver", "--topic", str(folder)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert receiver.held.wait(60), "the sender never reached the receiver"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        [held_id] = receiver.seen
        stuck = {d.id: d for d in runtime.outbox.deliveries(topic.name)}[held_id]
        assert stuck.state is DeliveryState.SENDING  # the kill left it mid-flight

        senders = Senders(SmtpChannel(), WebhookChannel(runtime.client))
        later = datetime.now(UTC) + timedelta(seconds=3)  # past the dead sender's lease
        for _ in range(5):
            summary = deliver_due(
                topic, runtime.store, runtime.outbox, senders, allow_private_networks=True,
                lease_s=2, env=ENV, now=lambda: later,
            )  # fmt: skip
            if summary.attempted == 0:
                break
        assert {d.state for d in runtime.outbox.deliveries(topic.name)} == {DeliveryState.DELIVERED}
        assert receiver.seen.count(held_id) == 2  # sent again, with the same webhook-id
        assert receiver.accepted[held_id] == 1
        assert set(receiver.accepted.values()) == {1}
    finally:
        receiver.close()


def test_deliver_sends_nothing_twice_once_delivered(
    runtime: steps.Runtime, tmp_path: Path, mailbox: tuple[Mailbox, int], demo_url: str
) -> None:
    box, port = mailbox
    box.refuse = 0
    receiver = Receiver()
    try:
        topic = _save_demo_alerts(
            runtime, _topic_with_channels(tmp_path, port, receiver.url), demo_url
        )
        senders = Senders(SmtpChannel(), WebhookChannel(runtime.client))
        first = deliver_due(
            topic, runtime.store, runtime.outbox, senders, allow_private_networks=True, env=ENV
        )
        assert first.delivered == len(runtime.outbox.deliveries(topic.name))
        time.sleep(0.01)
        again = deliver_due(
            topic, runtime.store, runtime.outbox, senders, allow_private_networks=True, env=ENV
        )
        assert again.attempted == 0
    finally:
        receiver.close()
