"""Alert mail: build the message (pure), then send it over SMTP (SmtpChannel).

Building and sending are apart (urlwatch's mailer.py keeps msg_plain/msg_html apart
from SMTPMailer.send the same way): build_email can be tested with strings alone, and
the outbox can build a mail again for a retry and get the same Message-ID.

Everything an article or a feed gave us is attacker-controlled. In headers it has its
control characters (CR, LF, ...) replaced by spaces and is cut to a sane length, so a
title with "\\r\\nBcc: x@y" stays one line of one header; everywhere it is cleaned
of markup first (alerts.escape.clean_alert), and in the HTML part it is escaped by
alerts.escape; links are emitted only for http(s) URLs.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from alerts.escape import clean_alert, clean_text, h, safe_href
from alerts.outcome import SendResult

# The report's helpers, so an alert reads the same in the mail as in the report.
from alerts.report import _day, _highlight, _kind, _severity_counts, _sides
from facts.model import Alert, Severity, Source

SmtpSecurity = Literal["none", "starttls", "ssl"]


@dataclass(frozen=True)
class EmailSettings:
    """One email channel: where the mail goes and how to reach the SMTP server."""

    name: str
    to: tuple[str, ...]
    sender: str
    smtp_host: str
    smtp_port: int
    smtp_security: SmtpSecurity = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError(f"email channel {self.name!r} has no recipients")
        if self.smtp_security not in ("none", "starttls", "ssl"):
            raise ValueError(
                f"smtp_security must be none, starttls or ssl, not {self.smtp_security!r}"
            )


# --- building ------------------------------------------------------------------------

# C0 and C1 controls (CR, LF, NUL, ESC, NEL, ...), the Unicode line and paragraph
# separators, and the bidi embedding/override/isolate marks (which can make a subject
# read differently from what it says, CVE-2021-42574 "Trojan Source").
_CONTROLS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)
# Of untrusted text in one header. RFC 5322 section 2.1.1 asks for lines of at most
# 78 characters; the policy folds longer ones, but a subject past ~150 characters is
# cut by every mail client anyway.
_HEADER_TEXT_MAX = 150
_WRAP = 76


def _clean(text: str | None) -> str:
    """Untrusted text as one line: controls become spaces, runs of whitespace one space."""
    return " ".join(_CONTROLS.sub(" ", text or "").split())


def _header_text(text: str | None, limit: int = _HEADER_TEXT_MAX) -> str:
    line = _clean(text)
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def _subject(alerts: Sequence[Alert], topic_title: str, digest: bool) -> str:
    if not digest:
        alert = alerts[0]
        return f"[pledgewatch] {alert.severity.value.upper()}: {_header_text(alert.summary)}"
    noun = "alert" if len(alerts) == 1 else "alerts"
    return f"[pledgewatch] {len(alerts)} {noun}: {_header_text(topic_title)}"


def _count_line(alerts: Sequence[Alert]) -> str:
    noun = "alert" if len(alerts) == 1 else "alerts"
    return f"{len(alerts)} {noun} ({_severity_counts(alerts)})"


def build_email(
    alerts: Sequence[Alert],
    *,
    settings: EmailSettings,
    message_id: str,
    topic_title: str,
    digest: bool,
    now: datetime | None = None,
) -> EmailMessage:
    """The mail for one alert (digest=False) or a digest of several: text and HTML parts.

    message_id is the caller's stable id (the outbox delivery's), written as
    "<message_id>", so a mail sent again after a failed attempt has the same Message-ID
    and the receiving side can drop the duplicate. RFC 5322 section 3.6.4 wants it
    shaped "left@right". now sets the Date header (default: the current time, UTC).
    """
    alerts = [clean_alert(a) for a in alerts]
    topic_title = clean_text(topic_title)
    if not alerts:
        raise ValueError("an alert mail needs at least one alert")
    if not digest and len(alerts) != 1:
        raise ValueError(f"a single-alert mail takes one alert, got {len(alerts)}")
    if not message_id or re.search(r"[\s<>]", message_id) or _CONTROLS.search(message_id):
        raise ValueError(f"message_id {message_id!r} must be one token without <, > or spaces")
    msg = EmailMessage()
    msg["Subject"] = _subject(alerts, topic_title, digest)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = f"<{message_id}>"
    # RFC 3834 section 5: tells vacation responders and list servers not to answer.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_text_body(alerts, settings, topic_title))
    msg.add_alternative(_html_body(alerts, settings, topic_title), subtype="html")
    return msg


# --- the text part -------------------------------------------------------------------


def _wrapped(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=_WRAP,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _text_url(url: str) -> str:
    return safe_href(url) or _clean(url)


def _text_source(src: Source) -> list[str]:
    line = f"- {_clean(src.outlet or src.url)}, {_day(src.published)}: {_text_url(src.url)}"
    return _wrapped(line, "     ")


def _text_alert(number: int, alert: Alert) -> list[str]:
    left, right = _sides(alert)
    title = f"{number}. {alert.severity.value.upper()}: {_clean(alert.summary)}"
    lines = _wrapped(title, "   ", first="")
    lines.append(f"   {_kind(alert)} · {_clean(alert.subject)}")
    lines.append("")
    if alert.baseline_quote is not None or alert.baseline_value is not None:
        lines.append(f"   {left}: {_clean(alert.baseline_value or 'no value')}")
        lines += _wrapped(f"“{_clean(alert.baseline_quote)}”", "     ")
    lines.append(f"   {right}: {_clean(alert.observed_value)}")
    lines += _wrapped(f"“{_clean(alert.observed_quote)}”", "     ")
    lines += ["", "   Sources:"]
    for src in alert.sources:
        lines += _text_source(src)
    lines += [f"   Alert id: {_clean(alert.id)}", ""]
    return lines


def _footer(settings: EmailSettings) -> str:
    return f"Sent by pledgewatch to the channel “{_clean(settings.name)}”."


def _text_body(alerts: Sequence[Alert], settings: EmailSettings, topic_title: str) -> str:
    lines = [f"pledgewatch: {_clean(topic_title)}", _count_line(alerts), ""]
    for number, alert in enumerate(alerts, 1):
        lines += _text_alert(number, alert)
    lines += ["-- ", _footer(settings)]
    return "\n".join(lines) + "\n"


# --- the HTML part -------------------------------------------------------------------

# Inline styles only: many mail clients drop <style> elements and ignore classes.
_INK, _MUTED, _LINE, _SIDE_BG = "#1d2329", "#5b6670", "#d8dee4", "#f6f8fa"
_SEV_COLOUR = {Severity.HIGH: "#b42318", Severity.MEDIUM: "#b54708", Severity.LOW: "#3b6e8f"}
_BODY = (
    f"margin:0;padding:16px;color:{_INK};background:#ffffff;"
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
)
_LABEL = f"margin:0;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:{_MUTED}"
_SIDE = f"background:{_SIDE_BG};border-radius:4px;padding:8px 12px;margin:0 0 8px"


def _html_link(text: str, url: str) -> str:
    href = safe_href(url)
    if href is None:
        return f'{h(text)} <span style="color:{_MUTED}">({h(url)})</span>'
    return f'<a href="{h(href)}" style="color:#0b5cad" rel="noopener noreferrer">{h(text)}</a>'


def _html_side(label: str, value: str, quote: str, other: str | None) -> str:
    return (
        f'<div style="{_SIDE}"><p style="{_LABEL}">{h(label)}</p>'
        f'<p style="margin:2px 0 4px;font-weight:600">{h(value)}</p>'
        f'<blockquote style="margin:0;font-style:italic">{_highlight(quote, other)}'
        "</blockquote></div>"
    )


def _html_alert(alert: Alert) -> str:
    left, right = _sides(alert)
    colour = _SEV_COLOUR.get(alert.severity, _MUTED)
    baseline_quote = _clean(alert.baseline_quote) if alert.baseline_quote is not None else None
    observed_quote = _clean(alert.observed_quote)
    sides = []
    if baseline_quote is not None or alert.baseline_value is not None:
        value = _clean(alert.baseline_value or "no value")
        sides.append(_html_side(left, value, baseline_quote or "", observed_quote))
    sides.append(_html_side(right, _clean(alert.observed_value), observed_quote, baseline_quote))
    sources = "".join(
        f"<li>{_html_link(_clean(s.outlet or s.url), s.url)}, "
        f'<span style="color:{_MUTED}">{_day(s.published)}</span></li>'
        for s in alert.sources
    )
    badge = (
        f'<span style="display:inline-block;padding:1px 8px;border:1px solid {colour};'
        f"border-radius:999px;color:{colour};font-size:12px;font-weight:600;"
        f'text-transform:uppercase">{h(alert.severity.value)}</span>'
    )
    return (
        f'<div style="border:1px solid {_LINE};border-left:4px solid {colour};'
        f'border-radius:6px;padding:12px 16px;margin:16px 0">'
        f'<p style="margin:0 0 4px">{badge} <span style="color:{_MUTED};font-size:13px">'
        f"{h(_kind(alert))} · {h(_clean(alert.subject))}</span></p>"
        f'<h2 style="margin:0 0 12px;font-size:17px">{h(_clean(alert.summary))}</h2>'
        + "".join(sides)
        + f'<p style="{_LABEL};margin-top:12px">Sources</p>'
        f'<ol style="margin:4px 0 8px;padding-left:22px">{sources}</ol>'
        f'<p style="margin:0;font-size:12px;color:{_MUTED}">Alert id: {h(_clean(alert.id))}</p>'
        "</div>"
    )


def _html_body(alerts: Sequence[Alert], settings: EmailSettings, topic_title: str) -> str:
    title = h(_clean(topic_title))
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n</head>\n"
        f'<body style="{_BODY}">\n<div style="max-width:640px;margin:0 auto">\n'
        f'<h1 style="margin:0 0 4px;font-size:20px">{title}</h1>\n'
        f'<p style="margin:0;color:{_MUTED}">{h(_count_line(alerts))}</p>\n'
        + "\n".join(_html_alert(a) for a in alerts)
        + f'\n<p style="margin:24px 0 0;font-size:12px;color:{_MUTED}">'
        f"{h(_footer(settings))}</p>\n</div>\n</body>\n</html>\n"
    )


# --- sending -------------------------------------------------------------------------

_DETAIL_MAX = 300


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {_clean(text)}".strip()


class SmtpChannel:
    """Sends a built message to an SMTP server; one connection per message.

    ssl_context: for "ssl" and "starttls"; default ssl.create_default_context(), which
    verifies the server's certificate and host name.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context

    def send(self, message: EmailMessage, settings: EmailSettings) -> SendResult:
        try:
            result = self._send(message, settings)
        except smtplib.SMTPAuthenticationError as exc:
            # Checked before the 4xx/5xx rule: a refused login does not get better by
            # itself, even when the server answers 454.
            result = SendResult(
                "failed", f"login refused: {_reply_text(exc.smtp_code, exc.smtp_error)}"
            )
        except smtplib.SMTPRecipientsRefused as exc:
            # Every recipient refused (smtplib raises only then). A 4xx for any of them
            # (mailbox busy, greylisting) may pass later; 5xx for all is permanent.
            replies = [_reply_text(c, m) for c, m in exc.recipients.values()]
            transient = any(400 <= code < 500 for code, _ in exc.recipients.values())
            detail = "recipients refused: " + "; ".join(replies)
            result = SendResult("retry" if transient else "failed", detail)
        except smtplib.SMTPResponseException as exc:
            # SMTPSenderRefused, SMTPDataError, SMTPConnectError, SMTPHeloError...
            # RFC 5321 section 4.2.1: 4yz is a transient, 5yz a permanent negative reply.
            code = exc.smtp_code
            detail = f"server replied {_reply_text(code, exc.smtp_error)}"
            result = SendResult("retry" if 400 <= code < 500 else "failed", detail)
        except smtplib.SMTPServerDisconnected as exc:
            result = SendResult("retry", f"server disconnected: {exc}")
        except smtplib.SMTPException as exc:
            # SMTPNotSupportedError (no AUTH, no SMTPUTF8) and the like: the server
            # lacks what this message needs, and will lack it next time too.
            result = SendResult("failed", f"{type(exc).__name__}: {exc}")
        except OSError as exc:
            # Refused connections, timeouts, DNS failures, TLS errors (ssl.SSLError is an
            # OSError): the server may be back later.
            where = f"{settings.smtp_host}:{settings.smtp_port}"
            result = SendResult("retry", f"cannot reach {where}: {type(exc).__name__}: {exc}")
        return _without_password(result, settings.password)

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _send(self, message: EmailMessage, s: EmailSettings) -> SendResult:
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.timeout_s, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_s)
        try:
            if s.smtp_security == "starttls":
                smtp.ehlo_or_helo_if_needed()
                if not smtp.has_extn("starttls"):
                    # Never fall back to plain text: the login and the mail would cross
                    # the network readable (and a stripping attacker removes STARTTLS).
                    return SendResult(
                        "failed", "server does not offer STARTTLS; not sending in plain text"
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
            refused = smtp.send_message(message)
        finally:
            _close(smtp)
        if refused:
            # Some recipients took the mail. Sending again would duplicate it for them,
            # so this counts as delivered and the refusals are reported.
            replies = "; ".join(
                f"{_clean(a)}: {_reply_text(c, m)}" for a, (c, m) in refused.items()
            )
            return SendResult("delivered", f"delivered; refused: {replies}")
        return SendResult("delivered", f"accepted by {s.smtp_host}:{s.smtp_port}")


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT, but a failing QUIT after the mail was accepted must not turn into a retry."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _without_password(result: SendResult, password: str | None) -> SendResult:
    detail = result.detail
    if password:
        # A server could echo what it was sent; the detail is stored and shown.
        detail = detail.replace(password, "***")
    if len(detail) > _DETAIL_MAX:
        detail = detail[: _DETAIL_MAX - 1] + "…"
    if detail == result.detail:
        return result
    return SendResult(result.outcome, detail, result.retry_after_s)
