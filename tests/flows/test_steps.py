"""The monitor's steps as plain functions, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer

from facts.model import ChangeKind
from flows import steps
from flows.config import FeedConfig, Topic
from ingest import FeedParseError, FetchStatusError
from tests.conftest import DEMO_TOPIC
from tests.flows.conftest import run_pipeline


def test_demo_feed_yields_every_change_kind_once_and_nothing_twice(
    runtime: steps.Runtime, topic: Topic
) -> None:
    saved, comparison = run_pipeline(runtime, topic)
    assert saved.articles_new == 10  # eleven entries, one off topic
    kinds = Counter(a.kind for a in runtime.store.alerts(topic.name))
    for kind in (
        ChangeKind.FIGURE_CHANGED,
        ChangeKind.DEADLINE_MOVED,
        ChangeKind.STATUS_CHANGED,
        ChangeKind.NEW_COMMITMENT,
        ChangeKind.NEW_FIGURE,
        ChangeKind.CONTRADICTION,
        ChangeKind.RETRACTED,
        ChangeKind.DEADLINE_PASSED,  # the depot due by March 2026, never reported done
    ):
        assert kinds[kind] >= 1, kind
    confirmed = [c for c in comparison.changes if c.kind is ChangeKind.CONFIRMED]
    assert {c.subject for c in confirmed} == {"bilateral trade"}
    urls = {a.source.url for a in runtime.store.alerts(topic.name)}
    assert not any("cricket" in u for u in urls)

    again, _ = run_pipeline(runtime, topic)
    assert (again.articles_new, again.facts_new, again.alerts_new) == (0, 0, 0)


def test_reprint_corroborates_the_same_alert(runtime: steps.Runtime, topic: Topic) -> None:
    run_pipeline(runtime, topic)
    [labour] = [a for a in runtime.store.alerts(topic.name) if a.subject == "labour mobility"]
    outlets = sorted(s.outlet for s in labour.sources)
    assert outlets == ["Eastern Courier", "Meridian Wire"]


def test_failing_feed_raises_for_retry_and_is_recorded(
    runtime: steps.Runtime, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    feed = FeedConfig(name="broken", url=httpserver.url_for("/broken.xml"))
    with pytest.raises(FetchStatusError) as caught:
        steps.fetch_feed(runtime, feed, None)
    recorded = steps.failed_feed(feed, caught.value)
    assert not recorded.outcome.ok
    assert feed.url in (recorded.outcome.error or "")


def test_a_feed_that_is_not_xml_names_its_source(
    runtime: steps.Runtime, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        "<html><body>Not a feed</body>", content_type="text/html"
    )
    feed = FeedConfig(name="html", url=httpserver.url_for("/feed.xml"))
    with pytest.raises(FeedParseError, match=r"127\.0\.0\.1"):
        steps.fetch_feed(runtime, feed, None)


def test_conditional_get_skips_an_unchanged_feed(
    runtime: steps.Runtime, httpserver: HTTPServer
) -> None:
    rss = (DEMO_TOPIC / "demo" / "feed.xml").read_bytes()
    httpserver.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss, content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    feed = FeedConfig(name="f", url=httpserver.url_for("/feed.xml"))
    first = steps.fetch_feed(runtime, feed, None)
    assert first.outcome.etag == '"v1"' and len(first.entries) == 11
    from storage import FeedState

    second = steps.fetch_feed(runtime, feed, FeedState(feed.url, etag='"v1"'))
    assert second.outcome.status == "not_modified" and second.entries == ()


def test_bad_pages_are_recorded_and_the_rest_go_on(
    runtime: steps.Runtime, topic: Topic, httpserver: HTTPServer, demo_url: str
) -> None:
    httpserver.expect_request("/empty.html").respond_with_data("", content_type="text/html")
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=404)
    good = (DEMO_TOPIC / "demo" / "articles" / "maritime-corridor.html").read_bytes()
    httpserver.expect_request("/good.html").respond_with_data(
        good.replace(b"{{base_url}}", demo_url.encode()), content_type="text/html"
    )
    fetches = [
        steps.FeedFetch(
            steps.FeedOutcome("f", "http://127.0.0.1/feed", ok=True, status="200"),
            tuple(
                _entry(httpserver.url_for(path), title)
                for path, title in [
                    ("/empty.html", "India and Russia: empty"),
                    ("/gone.html", "India and Russia: gone"),
                    ("/good.html", "India and Russia agree corridor"),
                ]
            ),
        )
    ]
    entries = steps.select_new_entries(runtime, topic, fetches)
    batch = steps.fetch_pages(runtime, entries)
    extracted = steps.extract_pages(topic, batch)
    assert [a.url for a, _ in extracted.articles] == [httpserver.url_for("/good.html")]
    failed = {e.source for e in extracted.errors}
    assert failed == {httpserver.url_for("/empty.html"), httpserver.url_for("/gone.html")}
    assert all(e.source in e.message for e in extracted.errors)


def _entry(url: str, title: str) -> steps.FeedEntry:
    return steps.FeedEntry(guid=url, url=url, title=title, summary="", published=None)


def test_with_feed_urls_rejects_an_unknown_feed_name(topic: Topic) -> None:
    from flows.config import ConfigError

    with pytest.raises(ConfigError, match="no feed named nope"):
        steps.with_feed_urls(topic, {"nope": "http://127.0.0.1/x"})


def test_a_huge_page_is_refused_with_its_url(
    runtime: steps.Runtime, topic: Topic, httpserver: HTTPServer
) -> None:
    small = replace(
        runtime, settings=runtime.settings.model_copy(update={"max_page_bytes": 64 * 1024})
    )
    httpserver.expect_request("/huge.html").respond_with_data(
        "<p>India and Russia</p>" * 10_000, content_type="text/html"
    )
    url = httpserver.url_for("/huge.html")
    batch = steps.fetch_pages(small, [steps.NewEntry(_entry(url, "India and Russia"), url, url)])
    assert batch.pages == ()
    [error] = batch.errors
    assert error.source == url and url in error.message


def test_a_feed_down_three_runs_alerts_once_and_again_when_back(
    runtime: steps.Runtime, topic: Topic, httpserver: HTTPServer
) -> None:
    flaky = steps.with_feed_urls(topic, {"summit-watch-demo": httpserver.url_for("/feed.xml")})
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=503)
    kinds = []
    for _ in range(4):
        run_pipeline(runtime, flaky)
        kinds.append(sorted(a.kind.value for a in runtime.store.alerts(topic.name)))
    assert kinds == [[], [], ["source_down"], ["source_down"]]
    httpserver.clear()
    rss = (DEMO_TOPIC / "demo" / "feed.xml").read_bytes()
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss, content_type="application/rss+xml"
    )
    run_pipeline(runtime, flaky)
    source_alerts = [a for a in runtime.store.alerts(topic.name) if a.key.startswith("source|")]
    assert sorted(a.kind.value for a in source_alerts) == ["source_down", "source_recovered"]


def test_missed_scheduled_runs_are_caught_up_once() -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 1, 1, 9, tzinfo=UTC)
    hourly = [t0 + timedelta(hours=h) for h in range(4)]  # 09:00-12:00, all missed
    catch_up = t0 + timedelta(hours=5)  # the server came back at 14:00
    # the first late run executes (nothing completed since its slot)...
    assert not steps.already_covered(hourly[0], last_completed_start=t0 - timedelta(hours=1))
    # ...and every other missed slot is then covered by it
    assert all(steps.already_covered(slot, last_completed_start=catch_up) for slot in hourly[1:])
    # the next regular slot runs again; an ad-hoc run (no schedule) always runs
    assert not steps.already_covered(t0 + timedelta(hours=6), last_completed_start=catch_up)
    assert not steps.already_covered(None, last_completed_start=catch_up)


def test_a_part_with_nothing_new_reads_only_latest_words_and_finds_the_same_deadlines(
    runtime: steps.Runtime, topic: Topic
) -> None:
    from facts.compare import passed_deadlines
    from flows.config import load_baseline_facts

    run_pipeline(runtime, topic)
    baseline = load_baseline_facts(topic)
    idle = steps.compare_from_store(runtime.store, topic, baseline, [])
    keys = {key for _, key in runtime.store.tracked(topic.name)} | {f.key for f in baseline}
    every = list(runtime.store.prior_observations(topic.name, keys))
    today = datetime.now(UTC).date()
    assert list(idle.changes) == passed_deadlines(baseline, every, today)
    assert any(c.kind is ChangeKind.DEADLINE_PASSED for c in idle.changes)


def test_parts_go_oldest_first_when_there_are_several() -> None:
    def new(url: str, day: int | None) -> steps.NewEntry:
        when = datetime(2025, 12, day, tzinfo=UTC) if day else None
        entry = replace(_entry(url, "India and Russia"), published=when)
        return steps.NewEntry(entry, url, "feed")

    entries = [new("c", 9), new("a", 2), new("u", None), new("b", 5)]
    assert steps.parts(entries, 10) == [entries]  # one part: as the feeds listed them
    assert [[n.url for n in part] for part in steps.parts(entries, 3)] == [["u", "a", "b"], ["c"]]
    assert steps.parts([], 3) == [[]]


def test_passed_deadlines_are_looked_for_in_a_runs_last_part_only(
    runtime: steps.Runtime, topic: Topic
) -> None:
    from flows.config import load_baseline_facts

    run_pipeline(runtime, topic)
    baseline = load_baseline_facts(topic)
    last = steps.compare_from_store(runtime.store, topic, baseline, [])
    middle = steps.compare_from_store(runtime.store, topic, baseline, [], final=False)
    assert any(c.kind is ChangeKind.DEADLINE_PASSED for c in last.changes)
    assert not any(c.kind is ChangeKind.DEADLINE_PASSED for c in middle.changes)


def test_fetch_feeds_records_a_failing_feed_and_goes_on(
    runtime: steps.Runtime, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    httpserver.expect_request("/ok.xml").respond_with_data(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>India and Russia</title><link>http://127.0.0.1:1/a</link></item>"
        "</channel></rss>",
        content_type="application/rss+xml",
    )
    feeds = [
        FeedConfig(name="broken", url=httpserver.url_for("/broken.xml")),
        FeedConfig(name="ok", url=httpserver.url_for("/ok.xml")),
    ]
    broken, ok = steps.fetch_feeds(runtime, feeds, {})
    assert (broken.outcome.ok, broken.outcome.status) == (False, "error")
    assert "500" in (broken.outcome.error or "")
    assert ok.outcome.ok and [e.title for e in ok.entries] == ["India and Russia"]


def test_a_page_that_met_a_busy_server_is_fetched_again_and_a_404_is_not(
    runtime: steps.Runtime, httpserver: HTTPServer
) -> None:
    quick = replace(runtime, settings=runtime.settings.model_copy(update={"retry_delay_s": 0.01}))
    # One-shot handlers answer first, once; then the permanent one.
    httpserver.expect_oneshot_request("/busy.html").respond_with_data("busy", status=503)
    httpserver.expect_request("/busy.html").respond_with_data(
        "<html><body><article><p>India and Russia met.</p></article></body></html>",
        content_type="text/html",
    )
    httpserver.expect_request("/gone.html").respond_with_data("gone", status=404)
    busy, gone = httpserver.url_for("/busy.html"), httpserver.url_for("/gone.html")
    batch = steps.fetch_pages(
        quick, [steps.NewEntry(_entry(u, "India and Russia"), u, u) for u in (busy, gone)]
    )
    assert [p.new.url for p in batch.pages] == [busy]
    assert [e.source for e in batch.errors] == [gone]
    paths = [request.path for request, _ in httpserver.log]
    assert paths.count("/busy.html") == 2 and paths.count("/gone.html") == 1


def test_a_page_that_keeps_failing_is_tried_page_retries_plus_one_times(
    runtime: steps.Runtime, httpserver: HTTPServer
) -> None:
    settings = runtime.settings.model_copy(update={"retry_delay_s": 0.01, "page_retries": 2})
    httpserver.expect_request("/down.html").respond_with_data("down", status=502)
    url = httpserver.url_for("/down.html")
    batch = steps.fetch_pages(
        replace(runtime, settings=settings), [steps.NewEntry(_entry(url, "x"), url, url)]
    )
    [error] = batch.errors
    assert "502" in error.message
    assert [request.path for request, _ in httpserver.log] == ["/down.html"] * 3
