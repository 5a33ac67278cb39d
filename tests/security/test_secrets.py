"""Secrets live in the environment only: topic.toml names the variables, and a secret
written into it is refused without being repeated in the error.

How secrets stay out of results, reprs and logs is tested where they are used:
tests/alerts/test_webhook.py::test_secret_never_in_the_result,
::test_malformed_secret_is_a_value_error_that_does_not_show_it,
tests/alerts/test_email.py::test_password_is_not_in_repr and
::test_login_refused_is_failed_without_password.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.config import ConfigError, load_topic
from tests.conftest import DEMO_TOPIC

SECRET = "whsec_TOP-SECRET-VALUE"
CHANNELS = {
    "webhook": f"""
[[alerts.channels]]
type = "webhook"
name = "hook"
url = "https://hooks.example.org/pledgewatch"
secret_env = "PLEDGEWATCH_HOOK_SECRET"
secret = "{SECRET}"
""",
    "email": f"""
[[alerts.channels]]
type = "email"
name = "desk"
to = ["desk@example.org"]
sender = "pledgewatch@example.org"
smtp_host = "mail.example.org"
smtp_port = 587
password = "{SECRET}"
""",
}


@pytest.mark.parametrize("kind", sorted(CHANNELS))
def test_a_secret_written_in_topic_toml_is_refused_without_showing_it(
    tmp_path: Path, kind: str
) -> None:
    topic = tmp_path / "topic"
    shutil.copytree(DEMO_TOPIC, topic, ignore=shutil.ignore_patterns("demo"))
    toml = topic / "topic.toml"
    text = toml.read_text(encoding="utf-8")
    assert "[alerts]\nchannels = []" in text
    toml.write_text(text.replace("channels = []", CHANNELS[kind].strip()), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_topic(topic)

    assert "unknown key" in str(caught.value)
    assert "TOP-SECRET" not in str(caught.value) and "TOP-SECRET" not in repr(caught.value)
