"""Alert webhooks, signed as Standard Webhooks (https://www.standardwebhooks.com).

Every request carries three headers (Standard Webhooks spec, "Signature scheme"):

    webhook-id         the message id; the same on every retry, so receivers dedupe on it
    webhook-timestamp  Unix seconds of this attempt
    webhook-signature  "v1,<base64 HMAC-SHA256>" over "{id}.{timestamp}.{body}", keyed
                       with the base64-decoded part of the secret after "whsec_";
                       several such signatures may be given, separated by spaces

The timestamp is signed so that a captured request cannot be replayed later than the
receiver's tolerance (5 minutes); the id is signed so it cannot be swapped to get past
the receiver's dedupe. webhook_body and sign are pure; WebhookChannel only sends, with
the httpx client it is given (flows/ hands in one whose guard refuses private
addresses unless the deployment allows them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime

import httpx

from alerts.export import alert_to_dict
from alerts.outcome import SendResult
from facts.model import Alert

SECRET_PREFIX = "whsec_"
EVENT_TYPE = "pledgewatch.alert"
# Of a Retry-After: a receiver asking for a week would otherwise park the delivery
# past every max_attempts schedule.
RETRY_AFTER_CAP_S = 86400.0


def webhook_body(alert: Alert) -> bytes:
    """The request body: the same alert always gives the same bytes (sorted, compact)."""
    payload = {"type": EVENT_TYPE, "data": alert_to_dict(alert)}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _key(secret: str) -> bytes:
    """The HMAC key of a "whsec_<base64>" secret. The message never shows the secret."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f'a webhook secret must look like "{SECRET_PREFIX}<base64>"')
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("the part of the webhook secret after whsec_ is not base64") from None
    if not key:
        raise ValueError("the webhook secret's key is empty")
    return key


def _signature(key: bytes, msg_id: str, timestamp: int | str, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature value, "v1,<base64>"; ValueError for a malformed secret."""
    return "v1," + _signature(_key(secret), msg_id, timestamp, body).decode("ascii")


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_s: int = 300,
    now: float | None = None,
) -> bool:
    """The receiver's check: True only for a fresh request signed with this secret.

    headers may be any mapping; names are matched case-insensitively. body must be the
    raw bytes received, before any JSON parsing. Raises ValueError only for a
    malformed secret (the receiver's own configuration); a bad request gives False.
    """
    key = _key(secret)
    lower = {name.lower(): value for name, value in headers.items()}
    msg_id = lower.get("webhook-id", "")
    stamp = lower.get("webhook-timestamp", "")
    signatures = lower.get("webhook-signature", "")
    if not msg_id or not stamp.isascii() or not stamp.isdigit() or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance_s:
        return False
    expected = _signature(key, msg_id, stamp, body)
    found = False
    for item in signatures.split(" "):
        version, _, value = item.partition(",")
        # Every candidate is compared, in constant time each, so the timing says
        # nothing about which one (if any) matched.
        if version == "v1" and hmac.compare_digest(value.encode("utf-8"), expected):
            found = True
    return found


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After value (RFC 9110 section 10.2.3), at most one day.

    Either delta-seconds ("120") or an HTTP-date; None when absent or unparsable.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), RETRY_AFTER_CAP_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": RFC 5322 says UTC with no offset information
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return min(max(0.0, when.timestamp() - current), RETRY_AFTER_CAP_S)


class WebhookChannel:
    """POSTs a signed body to a receiver and says what came of it."""

    def __init__(self, client: httpx.Client, *, timeout_s: float = 10.0) -> None:
        self._client = client
        self._timeout_s = timeout_s

    def send(
        self, url: str, secret: str, msg_id: str, body: bytes, *, now: float | None = None
    ) -> SendResult:
        """One attempt. msg_id stays the same across retries; the timestamp is this attempt's.

        ValueError (not a SendResult) for a malformed secret: that is a configuration
        error of ours, and the caller should see it as one.
        """
        current = time.time() if now is None else now
        timestamp = int(current)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body),
        }
        try:
            # Streamed and never read: only the status and headers matter, and a
            # receiver cannot make us buffer a large response body.
            with self._client.stream(
                "POST",
                url,
                content=body,
                headers=headers,
                timeout=self._timeout_s,
                follow_redirects=False,
            ) as response:
                status = response.status_code
                retry_after = parse_retry_after(response.headers.get("retry-after"), now=current)
        except httpx.TimeoutException as exc:
            return SendResult(
                "retry", f"timed out after {self._timeout_s:g}s ({type(exc).__name__})"
            )
        except httpx.UnsupportedProtocol as exc:
            return SendResult("failed", f"unusable URL: {exc}")
        except httpx.TransportError as exc:
            return SendResult("retry", f"{type(exc).__name__}: {exc}")
        except httpx.InvalidURL as exc:
            return SendResult("failed", f"unusable URL: {exc}")
        return _result(status, retry_after)


def _result(status: int, retry_after: float | None) -> SendResult:
    """What an HTTP status means for this delivery (Standard Webhooks, "Retry schedule")."""
    if 200 <= status < 300:
        return SendResult("delivered", f"HTTP {status}")
    if status == 410:
        return SendResult("disabled", "HTTP 410 Gone: the endpoint asked not to be called again")
    if status == 429 or status == 408 or 500 <= status < 600:
        return SendResult("retry", f"HTTP {status}", retry_after)
    if 300 <= status < 400:
        # A redirect could send the signed alert anywhere, past the address guard that
        # checked the configured URL; and a 302/303 followed would turn POST into GET.
        return SendResult(
            "failed", f"HTTP {status}: redirects are not followed; configure the final URL"
        )
    return SendResult("failed", f"HTTP {status}")
