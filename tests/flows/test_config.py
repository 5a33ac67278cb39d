"""Topic and settings loading: bad input gets an error that names the file and key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.config import ConfigError, Settings, baseline_texts, load_baseline_facts, load_topic
from tests.conftest import DEMO_TOPIC


@pytest.fixture
def topic_dir(tmp_path: Path) -> Path:
    target = tmp_path / "topic"
    shutil.copytree(DEMO_TOPIC, target, ignore=shutil.ignore_patterns("demo"))
    return target


def _edit(topic_dir: Path, old: str, new: str) -> None:
    path = topic_dir / "topic.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_bundled_topic_loads(topic_dir: Path) -> None:
    topic = load_topic(topic_dir)
    assert topic.name == "india-russia-summit"
    assert topic.vocabulary.actors.canonical("the Kremlin") == "Russia"
    assert "bilateral trade" in topic.tracked_subjects
    assert len(load_baseline_facts(topic)) >= 5
    [(name, text)] = baseline_texts(topic)
    assert name.endswith(".txt") and "India Russia summit" in text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[relevance]", "[relevence]", "unknown key 'relevence'"),
        ('name = "summit-watch-demo"', 'nmae = "summit-watch-demo"', "feeds.0.nmae"),
        ('title = "India', 'titel = "India', "missing key 'title'"),
        ('url = "http://127.0.0.1:8765', 'url = "file:///etc/passwd"\n# "', "http or https"),
        ("interval_minutes = 60", "interval_minutes = -5", "schedule.interval_minutes"),
        ("[schedule]", "[schedule\n", "not valid TOML"),
    ],
)
def test_a_typo_in_topic_toml_is_named(topic_dir: Path, old: str, new: str, message: str) -> None:
    _edit(topic_dir, old, new)
    with pytest.raises(ConfigError) as caught:
        load_topic(topic_dir)
    assert message in str(caught.value)
    assert "topic.toml" in str(caught.value)


def test_missing_topic_and_baseline_files_are_named(topic_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_topic(tmp_path / "nowhere")
    topic = load_topic(topic_dir)
    (topic_dir / "baseline" / "000_3ca3ae4eb001fd4c.txt").unlink()
    with pytest.raises(ConfigError, match=r"baseline file .* is missing"):
        baseline_texts(topic)
    (topic_dir / "baseline.facts.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"baseline\.facts\.json: not valid JSON"):
        load_baseline_facts(topic)


def test_duplicate_baseline_keys_are_refused(topic_dir: Path) -> None:
    path = topic_dir / "baseline.facts.json"
    facts = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps([*facts, facts[0]]), encoding="utf-8")
    with pytest.raises(ConfigError, match="appears twice"):
        load_baseline_facts(load_topic(topic_dir))


def test_settings_come_from_pledgewatch_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEDGEWATCH_DATABASE_URL", "sqlite:////tmp/x.db")
    monkeypatch.setenv("PLEDGEWATCH_ALLOW_PRIVATE_NETWORKS", "true")
    settings = Settings()
    assert settings.resolved_database_url() == "sqlite:////tmp/x.db"
    assert settings.allow_private_networks is True
    monkeypatch.delenv("PLEDGEWATCH_DATABASE_URL")
    monkeypatch.setenv("PLEDGEWATCH_DATA_DIR", "/tmp/pw")
    assert Settings().resolved_database_url() == "sqlite:////tmp/pw/pledgewatch.db"


def test_cli_reports_a_bad_topic_without_a_traceback(topic_dir: Path) -> None:
    _edit(topic_dir, "[relevance]", "[relevence]")
    result = CliRunner().invoke(app, ["report", "--topic", str(topic_dir)])
    assert result.exit_code == 2
    assert "unknown key 'relevence'" in result.stderr
    assert "Traceback" not in result.output


def test_checked_in_baseline_is_what_the_extractor_gives(tmp_path: Path) -> None:
    """baseline.facts.json is reviewed extractor output: a changed extractor must
    come with a re-extracted, reviewed baseline (pledgewatch baseline extract --write)."""
    result = CliRunner().invoke(app, ["baseline", "extract", "--topic", str(DEMO_TOPIC)])
    assert result.exit_code == 0, result.output
    extracted = json.loads(result.stdout)
    checked_in = json.loads((DEMO_TOPIC / "baseline.facts.json").read_text(encoding="utf-8"))
    assert extracted == checked_in


def test_a_bad_severity_rule_is_named_at_load(topic_dir: Path) -> None:
    _edit(topic_dir, "[alerts]\n", '[alerts]\nseverity = { new_figgure = "high" }\n')
    with pytest.raises(ConfigError, match="new_figgure"):
        load_topic(topic_dir)


def test_cli_shows_brackets_in_errors_as_text(topic_dir: Path) -> None:
    """Console markup must not eat text: "[alerts.severity]" is part of the message."""
    _edit(topic_dir, "[alerts]\n", '[alerts]\nseverity = { new_figuer = "high" }\n')
    result = CliRunner().invoke(app, ["report", "--topic", str(topic_dir)])
    assert result.exit_code == 2
    assert "[alerts.severity]" in " ".join(result.stderr.split())


def test_a_disabled_channel_is_enabled_again_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from storage import Outbox, Store, make_engine, migrate

    monkeypatch.setenv("PLEDGEWATCH_DATA_DIR", str(tmp_path))
    engine = make_engine(f"sqlite:///{tmp_path / 'pledgewatch.db'}")
    migrate(engine)
    Outbox(engine).disable_channel("t", "hook", "HTTP 410", now=datetime.now(UTC))
    runner = CliRunner()
    done = runner.invoke(app, ["deliveries", "enable", "hook", "--topic", "t", "--by", "ana"])
    assert done.exit_code == 0, done.output
    assert Outbox(engine).disabled_channels("t") == set()
    [entry] = Store(engine).audit_log("t")
    assert (entry.actor, entry.action, entry.target) == ("ana", "enable_channel", "hook")
    again = runner.invoke(app, ["deliveries", "enable", "hook", "--topic", "t"])
    assert again.exit_code == 2 and "not disabled" in again.stderr
    engine.dispose()
