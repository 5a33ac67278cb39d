"""Fixtures for the flows tests: a runtime on a real database, the demo served on
127.0.0.1, and the monitor's plan run step by step without Prefect."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from flows import steps
from flows.config import Settings, Topic, load_baseline_facts, load_topic
from flows.demo import serve_folder
from storage import ChannelPolicy, SavedRun
from tests.conftest import DEMO_TOPIC


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[steps.Runtime]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        allow_private_networks=True,  # every server in these tests is on loopback
        http_deadline_s=5,
        retry_delay_s=0,  # pages the demo feed links to but no test serves are retried
    )
    rt = steps.build_runtime(settings)
    yield rt
    rt.close()


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    with serve_folder(DEMO_TOPIC / "demo") as base:
        yield base


@pytest.fixture
def topic(demo_url: str) -> Topic:
    return steps.with_feed_urls(
        load_topic(DEMO_TOPIC), {"summit-watch-demo": f"{demo_url}/feed.xml"}
    )


def run_pipeline(
    rt: steps.Runtime, topic: Topic, channels: Sequence[ChannelPolicy] = ()
) -> tuple[SavedRun, steps.Comparison]:
    """The monitor flow's plan, step by step, without Prefect."""
    run_id = rt.store.start_run(topic.name)
    states = rt.store.feed_states(topic.name)
    fetches = steps.fetch_feeds(rt, topic.config.feeds, states)
    entries = steps.select_new_entries(rt, topic, fetches)
    extracted = [steps.extract_pages(topic, steps.fetch_pages(rt, entries))]
    health = steps.feed_health(states, fetches)
    baseline = load_baseline_facts(topic)
    comparison = steps.compare_from_store(rt.store, topic, baseline, extracted, health)
    result = steps.run_result(run_id, topic, fetches, extracted, comparison, channels)
    saved = rt.store.save_run(result)
    return saved, comparison
