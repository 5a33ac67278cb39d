"""Alerts: which changes become alerts and how loud, the change report, and the messages.

Imports only facts.model from the project (plus httpx for the webhook channel).
Building is pure: functions build alerts, reports, mails and webhook bodies. The two
channels (SmtpChannel, WebhookChannel) only send what was built and return a
SendResult; flows/ stores, writes, schedules and retries.
"""

from alerts.email import EmailSettings, SmtpChannel, build_email
from alerts.export import alert_to_dict
from alerts.format import format_deadline, format_number, format_status, format_value
from alerts.ledger import LedgerEntry, render_ledger_html
from alerts.outcome import SendResult, retry_delay
from alerts.report import CSP, ReportData, render_html, render_markdown
from alerts.rules import SeverityRules, alert_id, build_alerts, severity_for
from alerts.sources import FeedHealth, source_health_alerts
from alerts.webhook import WebhookChannel, sign, verify, webhook_body

__all__ = [
    "CSP",
    "EmailSettings",
    "FeedHealth",
    "LedgerEntry",
    "ReportData",
    "SendResult",
    "SeverityRules",
    "SmtpChannel",
    "WebhookChannel",
    "alert_id",
    "alert_to_dict",
    "build_alerts",
    "build_email",
    "format_deadline",
    "format_number",
    "format_status",
    "format_value",
    "render_html",
    "render_ledger_html",
    "render_markdown",
    "retry_delay",
    "severity_for",
    "sign",
    "source_health_alerts",
    "verify",
    "webhook_body",
]
