"""Delivering the outbox: claim what is due, build each message, send, record.

Shared by the monitor flow (after it saves) and `pledgewatch deliver`. Sending is
at least once: a message is marked delivered only after its channel said so,
and its id (webhook-id, Message-ID) stays the same across retries.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from alerts import (
    EmailSettings,
    SendResult,
    SmtpChannel,
    WebhookChannel,
    build_email,
    retry_delay,
    webhook_body,
)
from facts.model import Alert, ChangeKind, Severity, Source
from flows.config import EmailChannelConfig, Topic, WebhookChannelConfig
from ingest import BlockedURL, guard_url
from storage import ChannelPolicy, DeliveryJob, DeliveryState, Outbox, Store


def channel_policies(topic: Topic) -> list[ChannelPolicy]:
    """What storage needs to write the outbox rows of a run's new alerts."""
    policies = []
    for c in topic.config.alerts.channels:
        immediate = c.immediate_min_severity if isinstance(c, EmailChannelConfig) else None
        policies.append(ChannelPolicy(c.name, c.type, c.min_severity, immediate))
    return policies


@dataclass
class Senders:
    smtp: SmtpChannel
    webhook: WebhookChannel


@dataclass
class DeliverySummary:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    disabled: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed + self.disabled


Environment = Mapping[str, str]


def _secret(env: Environment, name: str | None) -> str | None:
    return env.get(name) if name else None


def _send(
    job: DeliveryJob,
    channel: EmailChannelConfig | WebhookChannelConfig,
    alerts: list[Alert],
    topic: Topic,
    senders: Senders,
    env: Environment,
    allow_private_networks: bool,
) -> SendResult:
    if isinstance(channel, EmailChannelConfig):
        password = _secret(env, channel.password_env)
        if channel.password_env and password is None:
            return SendResult("retry", f"environment variable {channel.password_env} is not set")
        settings = EmailSettings(
            name=channel.name,
            to=tuple(channel.to),
            sender=channel.sender,
            smtp_host=channel.smtp_host,
            smtp_port=channel.smtp_port,
            smtp_security=channel.smtp_security,
            username=_secret(env, channel.username_env),
            password=password,
            timeout_s=channel.timeout_s,
        )
        # "Desk <alerts@example.org>" -> example.org
        domain = parseaddr(channel.sender)[1].rpartition("@")[2] or "pledgewatch"
        message = build_email(
            alerts,
            settings=settings,
            message_id=f"{job.id}@{domain}",
            topic_title=topic.config.title,
            digest=job.kind == "digest",
        )
        return senders.smtp.send(message, settings)
    secret = _secret(env, channel.secret_env)
    if not secret:
        return SendResult("retry", f"environment variable {channel.secret_env} is not set")
    try:
        guard_url(channel.url, allow_private_networks=allow_private_networks)
    except BlockedURL as exc:
        return SendResult("failed", str(exc))
    [alert] = alerts
    try:
        return senders.webhook.send(channel.url, secret, job.id, webhook_body(alert))
    except ValueError as exc:  # a secret that is not whsec_<base64>
        return SendResult("failed", f"{channel.secret_env}: {exc}")
    except BlockedURL as exc:  # the guarded client refused the address when connecting
        return SendResult("failed", f"{channel.url}: {exc.message}")


def deliver_due(
    topic: Topic,
    store: Store,
    outbox: Outbox,
    senders: Senders,
    *,
    allow_private_networks: bool,
    lease_s: float = 300.0,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    env: Environment | None = None,
    rng: random.Random | None = None,
) -> DeliverySummary:
    """Send every delivery of the topic that is due now, once."""
    environment = os.environ if env is None else env
    channels = {c.name: c for c in topic.config.alerts.channels}
    summary = DeliverySummary()
    for job in outbox.claim_due(topic.name, now=now(), lease_s=lease_s):
        channel = channels.get(job.channel)
        alerts = [a for a in (store.alert(i) for i in job.alert_ids) if a is not None]
        if channel is None or not alerts:
            reason = "channel no longer configured" if channel is None else "alerts are gone"
            outbox.finish(job.id, DeliveryState.FAILED, now=now(), error=reason)
            summary.failed += 1
            summary.errors.append(f"{job.channel}: {reason}")
            continue
        result = _send(job, channel, alerts, topic, senders, environment, allow_private_networks)
        _record(outbox, topic, job, channel, result, summary, now(), rng)
    return summary


def _record(
    outbox: Outbox,
    topic: Topic,
    job: DeliveryJob,
    channel: EmailChannelConfig | WebhookChannelConfig,
    result: SendResult,
    summary: DeliverySummary,
    at: datetime,
    rng: random.Random | None,
) -> None:
    if result.outcome == "delivered":
        outbox.finish(job.id, DeliveryState.DELIVERED, now=at)
        summary.delivered += 1
        return
    summary.errors.append(f"{job.channel}: {result.detail}")
    if result.outcome == "disabled":
        outbox.disable_channel(topic.name, job.channel, result.detail, now=at)
        outbox.finish(job.id, DeliveryState.DISABLED, now=at, error=result.detail)
        summary.disabled += 1
    elif result.outcome == "retry" and job.attempts < channel.max_attempts:
        delay = retry_delay(
            job.attempts,
            base_s=channel.retry_base_seconds,
            retry_after_s=result.retry_after_s,
            rng=rng,
        )
        next_at = at + timedelta(seconds=delay)
        outbox.finish(
            job.id, DeliveryState.PENDING, now=at, error=result.detail, next_attempt_at=next_at
        )
        summary.retrying += 1
    else:
        detail = result.detail
        if result.outcome == "retry":
            detail = f"gave up after {job.attempts} attempts: {detail}"
        outbox.finish(job.id, DeliveryState.FAILED, now=at, error=detail)
        summary.failed += 1


def send_test(
    topic: Topic,
    channel_name: str,
    senders: Senders,
    *,
    allow_private_networks: bool,
    env: Environment | None = None,
) -> SendResult:
    """Send a clearly labelled test alert through one channel, bypassing the outbox."""
    channels = {c.name: c for c in topic.config.alerts.channels}
    if channel_name not in channels:
        known = ", ".join(sorted(channels)) or "none"
        raise KeyError(f"no channel named {channel_name!r} in {topic.name} (channels: {known})")
    channel = channels[channel_name]
    stamp = datetime.now(UTC)
    token = f"{stamp:%Y%m%d%H%M%S%f}"
    quote = (
        f"Test message from pledgewatch for channel {channel_name}, "
        f"sent {stamp:%Y-%m-%d %H:%M} UTC."
    )
    alert = Alert(
        id=f"a_test{token}",
        topic=topic.name,
        kind=ChangeKind.NEW_FIGURE,
        severity=Severity.LOW,
        subject="channel test",
        key="test",
        summary=f"pledgewatch channel test: {channel_name}",
        baseline_value=None,
        baseline_quote=None,
        observed_value="test",
        observed_quote=quote,
        source=Source(
            url="", outlet="pledgewatch", published=stamp.date(), quote=quote, fact_id="f_test"
        ),
    )
    job = DeliveryJob(
        f"d_test{token}", topic.name, channel_name, channel.type, "alert", (alert.id,), 1
    )
    environment = os.environ if env is None else env
    return _send(job, channel, [alert], topic, senders, environment, allow_private_networks)
