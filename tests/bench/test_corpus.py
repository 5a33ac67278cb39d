"""Smoke test of the end-to-end benchmark's corpus (bench/corpus.py), so it cannot rot:
page sizes, article text without the page furniture, the feed, facts in the text,
and the server's conditional GET."""

from __future__ import annotations

from pathlib import Path

import httpx

from bench.corpus import (
    JUNK_MARKERS,
    MAX_PAGE_BYTES,
    MIN_PAGE_BYTES,
    CorpusSpec,
    article,
    feed_path,
    feed_xml,
    serve,
    write_corpus,
)
from facts.extract import extract_facts
from facts.model import FactKind
from flows.config import load_topic
from ingest import extract_article, parse_feed
from tests.conftest import DEMO_TOPIC

BASE = "http://127.0.0.1:8000"
SPEC = CorpusSpec(feeds=1, entries=3, seed=7)


def test_pages_feed_and_facts() -> None:
    vocabulary = load_topic(DEMO_TOPIC).vocabulary
    pages = [article(SPEC, 0, i, BASE) for i in range(SPEC.entries)]
    assert pages[0].html == article(SPEC, 0, 0, BASE).html  # deterministic
    for page in pages:
        assert MIN_PAGE_BYTES <= len(page.html) <= MAX_PAGE_BYTES
        content = extract_article(page.html, url=BASE + page.entry.path)
        assert content.outlet == page.entry.outlet
        assert content.published == page.entry.published
        for paragraph in page.paragraphs:
            assert paragraph in content.text
        assert not [m for m in JUNK_MARKERS if m in content.text]
        assert "India" in content.text and "Russia" in content.text
        facts = extract_facts(
            content.text,
            url=BASE + page.entry.path,
            outlet=content.outlet,
            published=content.published.date(),
            vocabulary=vocabulary,
        )
        assert {f.kind for f in facts} == {FactKind.FIGURE, FactKind.COMMITMENT}
        assert {f.subject for f in facts} & set(vocabulary.subjects.entries)

    feed = parse_feed(feed_xml(SPEC, 0, BASE), source_url=BASE + feed_path(0))
    assert not feed.warnings
    assert sorted(e.url for e in feed.entries) == sorted(BASE + p.entry.path for p in pages)


def test_server_answers_gzip_and_304(tmp_path: Path) -> None:
    with serve(tmp_path) as base:
        write_corpus(SPEC, tmp_path, base, workers=1)
        with httpx.Client() as client:
            first = client.get(base + feed_path(0))
            assert first.status_code == 200
            assert first.headers["content-encoding"] == "gzip"
            assert parse_feed(first.content, source_url=base + feed_path(0)).entries
            again = client.get(
                base + feed_path(0), headers={"If-None-Match": first.headers["etag"]}
            )
            assert again.status_code == 304
