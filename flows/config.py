"""Settings (from the environment, read once) and topic configuration (topic.toml).

Both are validated at load; an unknown or missing key is an error that names it.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from alerts import SeverityRules
from facts.model import Fact, Severity
from facts.serialize import FactFormatError, fact_from_dict
from facts.vocabulary import Vocabulary

# Prefect without telemetry, for every process the project starts it in; a cold local
# API takes 12-15 s here, close to Prefect's default 20 s startup timeout (FIELD-NOTES).
PREFECT_OFFLINE = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


class ConfigError(Exception):
    """A topic or its baseline cannot be loaded; the message names the file and key."""


class Settings(BaseSettings):
    """Runtime settings, read from PLEDGEWATCH_* environment variables."""

    # extra="ignore": PLEDGEWATCH_TEST_DATABASE_URL and the like belong to the tests.
    model_config = SettingsConfigDict(env_prefix="PLEDGEWATCH_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    reports_dir: Path | None = None
    allow_private_networks: bool = False
    user_agent: str = "pledgewatch/0.1 (+news monitor)"
    http_timeout_s: float = 10.0
    http_deadline_s: float = 30.0
    max_feed_bytes: int = 5 * 1024 * 1024
    max_page_bytes: int = 5 * 1024 * 1024
    max_entries_per_feed: int = 500
    feed_retries: int = Field(default=2, ge=0)
    # A page that timed out, lost its connection or met a busy server's status is
    # fetched again this many times within the run (ingest.is_transient).
    page_retries: int = Field(default=1, ge=0)
    retry_delay_s: float = Field(default=2.0, ge=0)
    # Articles per fetch-and-extract task: each task run costs Prefect's API ~30 ms,
    # and at 25 its share of a 1,000-article run was 15% against 6% at 50
    # (docs/benchmarks.md).
    article_batch_size: int = 50
    # A run compares and saves its new articles this many at a time, so its memory
    # does not grow with a backlog (storage.RunResult).
    articles_per_part: int = 1000
    fetch_workers: int = 8
    # Processes that parse pages and extract facts (flows/extraction.py): 0 is one per
    # CPU this process may use. A run with fewer new pages than extract_min_pages
    # extracts in-process: starting workers would cost more than it saves.
    extract_workers: int = 0
    extract_min_pages: int = 100
    # A sender that died mid-delivery holds it this long; then it is sent again.
    delivery_lease_s: float = 300.0
    # A run holds its topic this long at most; a run that outlives it is taken
    # for crashed and the next run may start.
    run_lease_s: float = 6 * 3600.0

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pledgewatch.db').resolve()}"

    def resolved_extract_workers(self) -> int:
        if self.extract_workers > 0:
            return self.extract_workers
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )

    def resolved_reports_dir(self) -> Path:
        return self.reports_dir if self.reports_dir is not None else self.data_dir / "reports"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Strict):
    name: str
    url: str

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http or https URL")
        return value


class BaselineConfig(_Strict):
    files: list[str] = Field(min_length=1)
    facts: str
    url: str
    outlet: str
    published: date


class RelevanceConfig(_Strict):
    all_of: list[list[str]] = Field(min_length=1)


class ScheduleConfig(_Strict):
    interval_minutes: int | None = Field(default=None, gt=0)
    cron: str | None = None


class CompareConfig(_Strict):
    contradiction_window_days: int = Field(default=2, ge=0)


class _ChannelBase(_Strict):
    name: str = Field(min_length=1)
    min_severity: Severity = Severity.LOW
    retry_base_seconds: float = Field(default=30.0, ge=0)
    max_attempts: int = Field(default=8, ge=1)


class EmailChannelConfig(_ChannelBase):
    """SMTP delivery. Secrets are named (environment variables), never written here."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["email"]
    to: list[str] = Field(min_length=1)
    sender: str = Field(alias="from")
    smtp_host: str
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    # High alerts are mailed at once, one per mail; the rest of a run's go in one digest.
    immediate_min_severity: Severity = Severity.HIGH
    timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("to", "sender")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else [value]:
            if any(c in item for c in "\r\n") or "@" not in item:
                raise ValueError(f"{item!r} is not an email address")
        return value


class WebhookChannelConfig(_ChannelBase):
    type: Literal["webhook"]
    url: str
    secret_env: str
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http or https URL")
        return value


ChannelConfig = Annotated[EmailChannelConfig | WebhookChannelConfig, Field(discriminator="type")]


class AlertsConfig(_Strict):
    channels: list[ChannelConfig] = []
    severity: dict[str, Any] = {}
    # A feed failing this many runs in a row raises one source_down alert.
    source_down_after: int = Field(default=3, ge=1)

    @field_validator("channels")
    @classmethod
    def _unique_names(cls, value: list[Any]) -> list[Any]:
        names = [c.name for c in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"channel names must be unique: {', '.join(dupes)}")
        return value

    @field_validator("severity")
    @classmethod
    def _known_rules(cls, value: dict[str, Any]) -> dict[str, Any]:
        SeverityRules.from_mapping(value)  # raises ValueError naming a bad key or value
        return value


class TopicConfig(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str
    baseline: BaselineConfig
    feeds: list[FeedConfig] = []
    relevance: RelevanceConfig
    schedule: ScheduleConfig = ScheduleConfig()
    actors: dict[str, list[str]] = {}
    subjects: dict[str, list[str]] = {}
    counted: dict[str, list[str]] = {}
    compare: CompareConfig = CompareConfig()
    alerts: AlertsConfig = AlertsConfig()


@dataclass(frozen=True)
class Topic:
    """A loaded topic: its folder, its checked config and its vocabulary."""

    directory: Path
    config: TopicConfig
    vocabulary: Vocabulary

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def tracked_subjects(self) -> frozenset[str]:
        return frozenset(self.config.subjects) | frozenset(self.config.counted)

    def path(self, relative: str) -> Path:
        return self.directory / relative


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            parts.append(f"unknown key '{where}'")
        elif item["type"] == "missing":
            parts.append(f"missing key '{where}'")
        else:
            parts.append(f"'{where}': {item['msg']}")
    return "; ".join(parts)


def load_topic(directory: str | Path) -> Topic:
    folder = Path(directory)
    path = folder / "topic.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        config = TopicConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from exc
    vocabulary = Vocabulary.from_mappings(config.actors, config.subjects, config.counted)
    return Topic(folder.resolve(), config, vocabulary)


def baseline_texts(topic: Topic) -> list[tuple[str, str]]:
    """(file name, text) of each baseline document, in the configured order."""
    out = []
    for name in topic.config.baseline.files:
        path = topic.path(name)
        try:
            out.append((name, path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise ConfigError(
                f"{topic.directory / 'topic.toml'}: baseline file {path} is missing"
            ) from exc
    return out


def load_baseline_facts(topic: Topic) -> list[Fact]:
    """The reviewed, checked-in baseline facts. A key may appear only once."""
    path = topic.path(topic.config.baseline.facts)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: missing; create it with "
            f"`pledgewatch baseline extract --topic {topic.directory} --write`"
        ) from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a JSON list of facts")
    facts: list[Fact] = []
    seen: set[str] = set()
    for item in data:
        try:
            fact = fact_from_dict(item)
        except FactFormatError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        if fact.key in seen:
            raise ConfigError(f"{path}: fact key {fact.key!r} appears twice")
        seen.add(fact.key)
        facts.append(fact)
    return facts
