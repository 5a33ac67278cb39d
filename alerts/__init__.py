"""Alerts: which changes become alerts and how loud, and the change report.

Imports only facts.model from the project. Everything here is pure: functions build
alerts and messages; flows/ stores, writes and sends them.
"""

from alerts.export import alert_to_dict
from alerts.format import format_deadline, format_number, format_status, format_value
from alerts.report import CSP, ReportData, render_html, render_markdown
from alerts.rules import SeverityRules, alert_id, build_alerts, severity_for

__all__ = [
    "CSP",
    "ReportData",
    "SeverityRules",
    "alert_id",
    "alert_to_dict",
    "build_alerts",
    "format_deadline",
    "format_number",
    "format_status",
    "format_value",
    "render_html",
    "render_markdown",
    "severity_for",
]
