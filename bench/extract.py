"""Extraction speed: sentences per second on one core, import cost apart.

    python -m bench.extract [--repeat N]

The corpus is the bundled baseline plus the demo articles' text (extracted
from their HTML once, outside the timed part), repeated N times.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from facts.extract import extract_facts
from facts.text import split_sentences
from flows.config import baseline_texts, load_topic
from ingest import extract_article

TOPIC = Path(__file__).resolve().parents[1] / "seeds" / "india-russia-summit"


def corpus() -> list[str]:
    topic = load_topic(TOPIC)
    texts = [text for _, text in baseline_texts(topic)]
    for page in sorted((TOPIC / "demo" / "articles").glob("*.html")):
        texts.append(extract_article(page.read_bytes(), url=f"http://127.0.0.1/{page.name}").text)
    return texts


def import_cost() -> float:
    """Seconds to import the extractor in a fresh interpreter (median of 5)."""
    code = "import time; t=time.perf_counter(); import facts.extract; print(time.perf_counter()-t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout)
        for _ in range(5)
    ]  # fmt: skip
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    topic = load_topic(TOPIC)
    texts = corpus() * args.repeat
    sentences = sum(len(split_sentences(t)) for t in texts)
    timings = []
    facts = 0
    for _ in range(3):
        start = time.perf_counter()
        facts = sum(
            len(extract_facts(t, url="u", outlet="o", published=None, vocabulary=topic.vocabulary))
            for t in texts
        )
        timings.append(time.perf_counter() - start)
    best = min(timings)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"corpus: {len(texts)} texts, {sentences} sentences, {facts} facts per pass")
    print(f"extraction: {sentences / best:,.0f} sentences/s (best of 3, one core)")
    print(f"import of facts.extract: {import_cost() * 1000:.0f} ms (median of 5)")


if __name__ == "__main__":
    main()
