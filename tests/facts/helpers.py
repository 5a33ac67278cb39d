"""Shared data for the facts tests: the summit vocabulary (as literals, no file
reading) and small builders for hand-made facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from facts.extract import extract_facts
from facts.model import Evidence, Fact, FactKind, FigureKind, Status
from facts.vocabulary import Vocabulary

PUBLISHED = date(2025, 12, 6)

# Mirrors seeds/india-russia-summit/topic.toml; kept here so the tests read no files.
VOCAB = Vocabulary.from_mappings(
    actors={
        "Russia": [
            "Moscow", "the Kremlin", "Kremlin", "Russian side", "Russian government",
            "Putin", "Vladimir Putin", "Belousov",
        ],
        "India": [
            "New Delhi", "Indian side", "Indian government", "Modi", "Narendra Modi",
            "Rajnath Singh",
        ],
        "India and Russia": [
            "the two sides", "the two countries", "both countries", "both nations",
            "the two governments", "the leaders", "the two leaders",
        ],
    },
    subjects={
        "bilateral trade": [
            "two-way trade", "trade turnover", "bilateral trade turnover",
            "trade between India and Russia", "trade between the two countries",
        ],
        "Indian exports to Russia": [
            "exports to Russia", "Indian exports", "India's exports to Russia",
        ],
        "Russian crude imports": [
            "imports of Russian crude", "Russian oil imports", "purchases of Russian oil",
            "purchases of Russian crude", "Russian crude",
        ],
        "long-term crude supply": [
            "long-term supply agreements", "long-term supply agreement", "long-term oil supply",
            "long-term crude supply deal", "crude supply deal", "long-term supply",
        ],
        "defence cooperation": [
            "defense cooperation", "military cooperation", "defence partnership", "defence ties",
        ],
        "defence production": [
            "defense production", "joint production", "joint defence production",
            "co-development", "self-reliance in defence production",
        ],
        "labour mobility": [
            "labor mobility", "skilled workforce deployment", "workforce exchanges",
            "mobility of workers",
        ],
        "civil nuclear cooperation": [
            "civil nuclear energy", "civil nuclear", "civil nuclear power",
        ],
        "maritime corridor": [
            "Chennai-Vladivostok maritime corridor", "Eastern Maritime Corridor",
            "Chennai-Vladivostok corridor", "shipping corridor",
        ],
    },
    counted={
        "agreements signed": [
            "agreements", "memorandums of understanding", "memorandums", "MoUs", "pacts",
        ],
        "reactor units": ["nuclear units", "power units", "reactors"],
    },
)  # fmt: skip


def extract(
    text: str,
    *,
    published: date | None = PUBLISHED,
    vocabulary: Vocabulary = VOCAB,
    url: str = "https://news.example/a",
    outlet: str = "News Example",
) -> list[Fact]:
    return extract_facts(text, url=url, outlet=outlet, published=published, vocabulary=vocabulary)


def figures(text: str, *, published: date | None = PUBLISHED) -> list[Fact]:
    return [f for f in extract(text, published=published) if f.kind is FactKind.FIGURE]


def commitments(text: str, *, published: date | None = PUBLISHED) -> list[Fact]:
    return [f for f in extract(text, published=published) if f.kind is FactKind.COMMITMENT]


def only(found: list[Fact]) -> Fact:
    """The single fact of a list, failing with the whole list when there is not one."""
    assert len(found) == 1, found
    return found[0]


def evidence(
    *,
    url: str = "https://news.example/a",
    outlet: str = "News Example",
    published: date | None = PUBLISHED,
    quote: str = "A sentence.",
    start: int = 0,
) -> Evidence:
    return Evidence(url, outlet, published, quote, start, start + len(quote))


def figure(
    value: str,
    *,
    subject: str = "bilateral trade",
    unit: str = "USD",
    value_max: str | None = None,
    figure_kind: FigureKind = FigureKind.TARGET,
    deadline: str | None = None,
    url: str = "https://news.example/a",
    outlet: str = "News Example",
    published: date | None = PUBLISHED,
    start: int = 0,
) -> Fact:
    return Fact(
        kind=FactKind.FIGURE,
        subject=subject,
        evidence=evidence(url=url, outlet=outlet, published=published, start=start),
        value=Decimal(value),
        value_max=Decimal(value_max) if value_max is not None else None,
        unit=unit,
        figure_kind=figure_kind,
        deadline=deadline,
    )


def commitment(
    status: Status,
    *,
    subject: str = "labour mobility",
    actors: tuple[str, ...] = ("India and Russia",),
    deadline: str | None = None,
    url: str = "https://news.example/a",
    outlet: str = "News Example",
    published: date | None = PUBLISHED,
    start: int = 0,
) -> Fact:
    return Fact(
        kind=FactKind.COMMITMENT,
        subject=subject,
        evidence=evidence(url=url, outlet=outlet, published=published, start=start),
        status=status,
        action=status.value,
        actors=actors,
        deadline=deadline,
    )
