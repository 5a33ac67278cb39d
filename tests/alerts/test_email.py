"""Alert mail: what build_email puts in the message, and SmtpChannel against a real
SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from alerts import EmailSettings, SmtpChannel, build_email
from facts.model import Alert
from tests.alerts.messages import BASELINE_QUOTE, OBSERVED_QUOTE, alert, source, three_alerts

HOST = "127.0.0.1"
PASSWORD = "pw-Sup3r-s3cret"
NOW = datetime(2025, 12, 6, 9, 30, tzinfo=UTC)


def settings(port: int = 25, **kw: Any) -> EmailSettings:
    fields: dict[str, Any] = {
        "name": "analysts",
        "to": ("desk@example.org", "lead@example.org"),
        "sender": "pledgewatch <alerts@example.org>",
        "smtp_host": HOST,
        "smtp_port": port,
        "timeout_s": 5.0,
    }
    fields.update(kw)
    return EmailSettings(**fields)


def mail(alerts: list[Alert] | None = None, *, digest: bool = False, **kw: Any) -> EmailMessage:
    return build_email(
        alerts or [alert()],
        settings=kw.pop("settings", settings()),
        message_id=kw.pop("message_id", "d_0123456789abcdef@pledgewatch"),
        topic_title="India–Russia summit",
        digest=digest,
        now=NOW,
    )


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML bodies, after a round trip through bytes as a receiver sees it."""
    parsed = email.message_from_bytes(bytes(message), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    types = [p.get_content_type() for p in parsed.iter_parts()]
    assert types == ["text/plain", "text/html"]
    text, html = (p.get_content() for p in parsed.iter_parts())
    return text, html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


# --- build_email -----------------------------------------------------------------------


def test_one_alert_mail_has_subject_ids_and_both_parts() -> None:
    message = mail()
    assert message["Subject"] == (
        "[pledgewatch] HIGH: bilateral trade (target): $100 billion by 2030 → $150 billion by 2030"
    )
    assert message["Message-ID"] == "<d_0123456789abcdef@pledgewatch>"
    assert message["To"] == "desk@example.org, lead@example.org"
    assert message["From"] == "pledgewatch <alerts@example.org>"
    assert message["Date"] == "Sat, 06 Dec 2025 09:30:00 +0000"
    text, html = parts(message)
    for body in (text, html):
        assert "Baseline" in body and "Observed" in body
        assert "$100 billion by 2030" in body and "$150 billion by 2030" in body
        assert "Outlet 1" in body and "Eastern Courier" in body
        assert "2025-12-06" in body and "2025-12-07" in body
        assert "high" in body.lower()
        assert "a_0123456789abcdef" in body
    assert BASELINE_QUOTE in " ".join(text.split()) and OBSERVED_QUOTE in " ".join(text.split())
    found = _tags(html)
    assert "Leaders raised the bilateral trade target to $" in "".join(found.text)
    hrefs = [v for k, v in found.attrs if k == "href"]
    assert hrefs == ["https://news.example/articles/1", "https://news.example/articles/2"]
    assert "style" not in found.tags  # inline styles only
    assert "https://news.example/articles/1" in text


def test_same_message_id_when_built_again() -> None:
    first, second = mail(), mail()
    assert first["Message-ID"] == second["Message-ID"] == "<d_0123456789abcdef@pledgewatch>"


def test_digest_lists_every_alert() -> None:
    alerts = three_alerts()
    message = mail(alerts, digest=True)
    assert message["Subject"] == "[pledgewatch] 3 alerts: India–Russia summit"
    text, html = parts(message)
    for body in (text, html):
        assert "3 alerts (1 high, 1 medium, 1 low)" in body
        for a in alerts:
            assert a.id in body
        assert "labour mobility: expected → signed" in body
        assert "Indian exports to Russia: $5.2 billion" in body
    # A new figure has no baseline: its card shows the observation only.
    new_figure_text = text.split("3. LOW")[1]
    assert "Baseline" not in new_figure_text and "Observed: $5.2 billion" in new_figure_text


def test_single_mail_takes_exactly_one_alert() -> None:
    with pytest.raises(ValueError, match="one alert"):
        mail(three_alerts(), digest=False)
    with pytest.raises(ValueError, match="at least one"):
        build_email([], settings=settings(), message_id="x@y", topic_title="t", digest=True)


@pytest.mark.parametrize("bad", ["a b@x", "<a@x>", "a@x\r\nBcc: evil@example.org", ""])
def test_malformed_message_id_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        mail(message_id=bad)


HOSTILE_TITLE = "Trade up\r\nBcc: evil@example.org\r\n\r\n<script>alert(1)</script> \x1b[31m"


def _hostile() -> Alert:
    return alert(
        summary=HOSTILE_TITLE,
        subject="trade <b>bold</b>",
        observed_quote=f"{OBSERVED_QUOTE} <script>alert(2)</script>",
        source=source(1, outlet="Outlet</a><script>alert(3)</script>", url="javascript:alert(4)"),
        corroborating=(source(2, url='https://news.example/a?x=1&y="><script>'),),
    )


def test_hostile_title_makes_no_header_and_no_markup() -> None:
    message = mail([_hostile()])
    raw = bytes(message)
    head = raw.split(b"\n\n", 1)[0]
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None
    assert not [line for line in head.splitlines() if line.lower().startswith(b"bcc")]
    subject = str(parsed["Subject"])
    assert subject.startswith("[pledgewatch] HIGH: Trade up Bcc: evil@example.org")
    assert "<script" not in subject  # markup cleaned away (alerts.escape.clean_text)
    assert "\r" not in subject and "\n" not in subject and "\x1b" not in subject
    assert parsed["To"] == "desk@example.org, lead@example.org"

    text, html = parts(message)
    assert "<script" not in html.lower()
    found = _tags(html)
    assert "script" not in found.tags and "b" not in found.tags
    assert [k for k, _ in found.attrs if k.startswith("on")] == []
    hrefs = [v for k, v in found.attrs if k == "href"]
    assert all(v is not None and v.startswith("https://") for v in hrefs)
    assert hrefs and not any("javascript" in str(v) for v in hrefs)
    # The text is still shown, with the article's markup cleaned away.
    shown = "".join(found.text)
    assert "Trade up Bcc: evil@example.org" in shown
    # alert(1..3) sat in <script> elements; alert(4) is a javascript: URL shown as text.
    for part in (shown, text):
        assert "<script" not in part and not any(f"alert({n})" in part for n in (1, 2, 3))
    assert "\x1b" not in text


def test_long_titles_are_cut_in_headers() -> None:
    message = mail([alert(summary="word " * 200)])
    subject = str(message["Subject"])
    assert len(subject) < 200 and subject.endswith("…")
    digest = build_email(
        [alert()],
        settings=settings(),
        message_id="d@x",
        topic_title="T\nBcc: e@x " + "long " * 100,
        digest=True,
    )
    assert str(digest["Subject"]).startswith("[pledgewatch] 1 alert: T Bcc: e@x long")
    assert len(str(digest["Subject"])) < 200


def test_password_is_not_in_repr() -> None:
    configured = settings(username="alerts", password=PASSWORD)
    assert PASSWORD not in repr(configured)
    assert PASSWORD not in str(configured)
    assert "alerts" in repr(configured)


def test_settings_need_recipients() -> None:
    with pytest.raises(ValueError, match="recipients"):
        settings(to=())


# --- SmtpChannel against aiosmtpd ------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on right now (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


class Recorder:
    """An aiosmtpd handler that stores accepted mail and can answer from a script."""

    def __init__(self, data_replies: list[str] | None = None, rcpt_reply: str | None = None):
        self.data_replies = list(data_replies or [])
        self.rcpt_reply = rcpt_reply
        self.received: list[bytes] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(envelope.content)
        return "250 Message accepted for delivery"


Serve = Callable[..., int]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Starts aiosmtpd on 127.0.0.1 with a handler; returns the port. Stops them after."""
    controllers: list[Controller] = []

    def start(handler: Recorder, **kw: Any) -> int:
        port = free_port()
        controller = Controller(handler, hostname=HOST, port=port, ready_timeout=5, **kw)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def test_delivered_and_received_intact(serve: Serve) -> None:
    handler = Recorder()
    port = serve(handler)
    message = mail(three_alerts(), digest=True)
    result = SmtpChannel().send(message, settings(port))
    assert result.outcome == "delivered", result
    [raw] = handler.received
    got = email.message_from_bytes(raw, policy=policy.default)
    assert got["Message-ID"] == "<d_0123456789abcdef@pledgewatch>"
    assert got["Subject"] == "[pledgewatch] 3 alerts: India–Russia summit"
    assert isinstance(got, EmailMessage)
    text, html = (p.get_content() for p in got.iter_parts())
    assert "labour mobility: expected → signed" in text
    assert "labour mobility: expected → signed" in html


def test_4xx_is_retry_then_delivered(serve: Serve) -> None:
    handler = Recorder(data_replies=["451 4.3.0 try later"])
    port = serve(handler)
    channel, message = SmtpChannel(), mail()
    first = channel.send(message, settings(port))
    assert first.outcome == "retry", first
    assert "451" in first.detail
    assert handler.received == []
    second = channel.send(message, settings(port))
    assert second.outcome == "delivered", second
    assert len(handler.received) == 1


def test_5xx_recipient_is_failed(serve: Serve) -> None:
    handler = Recorder(rcpt_reply="550 5.1.1 no such user")
    port = serve(handler)
    result = SmtpChannel().send(mail(), settings(port))
    assert result.outcome == "failed", result
    assert "550" in result.detail and "no such user" in result.detail
    assert handler.received == []


def test_5xx_after_data_is_failed(serve: Serve) -> None:
    handler = Recorder(data_replies=["554 5.7.1 rejected as spam"])
    port = serve(handler)
    result = SmtpChannel().send(mail(), settings(port))
    assert result.outcome == "failed", result
    assert "554" in result.detail
    assert handler.received == []


def test_4xx_recipient_is_retry(serve: Serve) -> None:
    port = serve(Recorder(rcpt_reply="450 4.2.1 mailbox busy"))
    result = SmtpChannel().send(mail(), settings(port))
    assert result.outcome == "retry", result


def _refuse(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    return AuthResult(success=False, handled=False)


def _refuse_and_echo(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    # A server that repeats what it was sent: the detail must still not show it.
    password = auth_data.password.decode()
    return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad password {password}")


@pytest.mark.parametrize("authenticator", [_refuse, _refuse_and_echo])
def test_login_refused_is_failed_without_password(serve: Serve, authenticator: Any) -> None:
    handler = Recorder()
    port = serve(handler, authenticator=authenticator, auth_require_tls=False)
    configured = settings(port, username="alerts", password=PASSWORD)
    result = SmtpChannel().send(mail(settings=configured), configured)
    assert result.outcome == "failed", result
    assert "login" in result.detail
    assert "535" in result.detail
    assert PASSWORD not in result.detail and PASSWORD not in repr(result)
    assert handler.received == []


def test_starttls_not_offered_is_failed_not_plain_text(serve: Serve) -> None:
    handler = Recorder()  # no tls_context: the server offers no STARTTLS
    port = serve(handler)
    result = SmtpChannel().send(mail(), settings(port, smtp_security="starttls"))
    assert result.outcome == "failed", result
    assert "STARTTLS" in result.detail and "not sending in plain text" in result.detail
    assert handler.received == []


def test_closed_port_is_retry() -> None:
    port = free_port()
    result = SmtpChannel().send(mail(), settings(port))
    assert result.outcome == "retry", result
    assert "ConnectionRefusedError" in result.detail


def test_partial_refusal_counts_as_delivered(serve: Serve) -> None:
    class OneBadRecipient(Recorder):
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if address.startswith("lead@"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    handler = OneBadRecipient()
    port = serve(handler)
    result = SmtpChannel().send(mail(), settings(port))
    assert result.outcome == "delivered", result
    assert "lead@example.org" in result.detail and "550" in result.detail
    assert len(handler.received) == 1
