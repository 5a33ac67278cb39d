"""A synthetic news corpus for the end-to-end benchmark, made by code.

    python -m bench.corpus write DIR --base-url URL [--feeds N] [--entries M] [--seed S]
    python -m bench.corpus serve DIR     # prints its base URL, serves until stdin closes

N feeds (RSS 2.0, one outlet each) of M entries, and one article page per entry of
50-150 KB: a site header with a mega-menu, inline scripts and styles, JSON-LD, ad
slots with class "ad", a cookie banner, a share bar, a related-stories aside, a
comments section and a footer around an <article> whose prose mentions India and
Russia and mixes figure and commitment sentences (templates with varying numbers,
subjects from seeds/india-russia-summit's vocabulary, deadlines and status words)
with filler. Everything is a function of (seed, feed, entry): the same arguments
give the same bytes.

Files are stored gzipped; the server answers gzip to clients that accept it (as news
sites do), and every answer carries an ETag, so a conditional GET of an unchanged
feed is a 304.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import random
import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

MIN_PAGE_BYTES = 50 * 1024
MAX_PAGE_BYTES = 150 * 1024
START = datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
SPAN_MINUTES = 60 * 24 * 60  # publication dates spread over 60 days

# Marker strings that live only in page furniture: the article text must not contain
# any of them (tests/bench/test_corpus.py).
JUNK_MARKERS = (
    "We use cookies",
    "Advertisement",
    "Share on WhatsApp",
    "Most read",
    "Related stories",
    "Reader comment",
    "All rights reserved",
    "Subscribe to our newsletter",
)

# fmt: off
OUTLETS = [
    "Meridian Wire", "Deccan Ledger", "Northern Star Herald", "Capital Economic Times",
    "Volga Daily", "Harbour Post", "Frontier Defence Review", "Eastern Courier",
    "Coromandel Chronicle", "Neva Business Journal", "Indus Observer", "Baltic Gazette",
    "Ganga Times", "Ural Tribune", "Malabar Mail", "Siberian Review", "Konkan Standard",
    "Moscow Evening Wire", "Punjab Monitor", "Caspian Dispatch",
]
SECTIONS = [
    "India", "World", "Business", "Economy", "Markets", "Politics", "Defence", "Energy",
    "Opinion", "Technology", "Science", "Sport", "Culture", "Lifestyle", "Video", "Podcasts",
]
CITIES = ["New Delhi", "Moscow", "Mumbai", "St Petersburg", "Chennai", "Vladivostok", "Kolkata"]
OFFICIALS = [
    "a senior foreign ministry official", "the commerce secretary", "a Kremlin spokesman",
    "India's ambassador to Russia", "a deputy energy minister", "the external affairs minister",
    "a trade negotiator", "Russia's deputy prime minister",
]
AUTHORS = [
    "Anika Rao", "Dmitri Sokolov", "Kavya Menon", "Irina Volkova", "Rohan Bhatia",
    "Sergei Lebedev", "Priya Nair", "Alexei Morozov", "Meera Iyer", "Olga Petrova",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September",
          "October", "November"]
HANDLES = ["delhi_reader", "volga_fan", "trade_watcher", "sceptic_42", "chennai_port",
           "eurasia_nerd", "oilman", "policy_wonk", "ravi_k", "natasha_m"]
# fmt: on


def _pick(rng: random.Random, weighted: list[tuple[object, float]]) -> object:
    values = [v for v, _ in weighted]
    weights = [w for _, w in weighted]
    return rng.choices(values, weights=weights)[0]


def _w(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return str(_pick(rng, weighted))


def _num(rng: random.Random, weighted: list[tuple[float, float]]) -> float:
    value = _pick(rng, weighted)
    assert isinstance(value, int | float)
    return float(value)


def _fmt(value: float) -> str:
    return f"{value:g}"


# --- sentences ------------------------------------------------------------------------
# Each template draws its numbers, deadline and status from a weighted set: most
# articles repeat the common account (confirmations), some move a figure, a deadline
# or a status, so comparison and alerting have real work to do.

Template = Callable[[random.Random], str]

_TRADE_TARGET = [(100, 0.55), (150, 0.2), (120, 0.1), (80, 0.1), (200, 0.05)]
_TARGET_YEAR = [("2030", 0.7), ("2032", 0.15), ("2035", 0.1), ("2028", 0.05)]
_ACTOR = [("Russia", 1.0), ("India", 1.0), ("Moscow", 0.5), ("New Delhi", 0.5)]
_DEAL_DATE = [("by March 2026", 1.0), ("by June 2026", 1.0), ("next year", 0.5), ("by 2027", 1)]


def _trade_target(rng: random.Random) -> str:
    v, y = _fmt(_num(rng, _TRADE_TARGET)), _w(rng, _TARGET_YEAR)
    return rng.choice(
        [
            f"{_w(rng, _ACTOR)} aims to raise bilateral trade to ${v} billion by {y}, "
            "officials said.",
            f"India and Russia reaffirmed their target of ${v} billion in two-way trade by {y}.",
            f"The two sides restated the goal of US${v}bn in bilateral trade by {y}.",
            f"Officials said the leaders want trade turnover to reach ${v} billion by {y}.",
        ]
    )


def _trade_actual(rng: random.Random) -> str:
    now = _fmt(_num(rng, [(68.7, 0.8), (65.7, 0.1), (69.2, 0.1)]))
    return rng.choice(
        [
            f"Bilateral trade reached ${now} billion in 2024-25, according to official data.",
            f"Two-way trade stood at ${now} billion last financial year, up from $65.7 billion "
            "a year earlier.",
        ]
    )


def _exports(rng: random.Random) -> str:
    pct = _w(rng, [("18", 0.6), ("15", 0.2), ("21", 0.2)])
    value = _fmt(_num(rng, [(5.2, 0.7), (4.8, 0.15), (5.6, 0.15)]))
    return (
        f"Indian exports to Russia rose {pct} per cent to ${value} billion in the first half "
        "of the year."
    )


def _crude(rng: random.Random) -> str:
    month = rng.choice(["October", "November", "December"])
    if rng.random() < 0.5:
        bpd = _fmt(_num(rng, [(1.8, 0.6), (1.7, 0.2), (1.9, 0.2)]))
        return f"Russian crude imports averaged {bpd} million barrels per day in {month}."
    share = _w(rng, [("36", 0.6), ("35", 0.2), ("40", 0.2)])
    return f"Purchases of Russian oil made up {share} per cent of India's crude imports in {month}."


def _agreements(rng: random.Random) -> str:
    n = int(_num(rng, [(12, 0.5), (16, 0.3), (21, 0.2)]))
    return rng.choice(
        [
            f"The leaders signed {n} agreements during the visit, the foreign ministry said.",
            f"Officials said the two sides signed {n} agreements and memorandums of understanding.",
        ]
    )


def _reactors(rng: random.Random) -> str:
    units = _w(rng, [("two", 0.7), ("four", 0.2), ("six", 0.1)])
    year = _w(rng, [("2032", 0.7), ("2035", 0.3)])
    return f"Russia will help build {units} more reactor units at Kudankulam by {year}."


def _workers(rng: random.Random) -> str:
    n = _w(rng, [("70,000", 0.6), ("50,000", 0.2), ("100,000", 0.2)])
    year = _w(rng, [("2027", 0.7), ("2028", 0.3)])
    return (
        f"Russia plans to take in up to {n} Indian workers under the labour mobility pact "
        f"by {year}."
    )


def _cargo(rng: random.Random) -> str:
    tonnes = _fmt(_num(rng, [(1.2, 0.6), (1.5, 0.2), (0.9, 0.2)]))
    return f"Cargo on the Eastern Maritime Corridor reached {tonnes} million tonnes in 2025."


def _corridor(rng: random.Random) -> str:
    year = _w(rng, [("2027", 0.7), ("2028", 0.2), ("2026", 0.1)])
    verb = _w(
        rng,
        [
            ("agreed to launch", 0.5),
            ("signed a pact to launch", 0.2),
            ("are expected to launch", 0.15),
            ("postponed the launch of", 0.1),
            ("aim to open", 0.05),
        ],
    )
    return f"India and Russia {verb} the Chennai-Vladivostok maritime corridor by {year}."


def _labour(rng: random.Random) -> str:
    return str(
        _pick(
            rng,
            [
                (
                    f"The two governments signed an agreement on labour mobility on "
                    f"{rng.choice(WEEKDAYS)}.",
                    0.6,
                ),
                (
                    f"India and Russia are expected to sign a pact on labour mobility "
                    f"{rng.choice(_DEAL_DATE)[0]}.",
                    0.3,
                ),
                ("Talks on labour mobility stalled over visa rules, officials said.", 0.1),
            ],
        )
    )


def _crude_deal(rng: random.Random) -> str:
    return str(
        _pick(
            rng,
            [
                (
                    "The Kremlin denied that Moscow had agreed to a long-term crude supply deal "
                    "with Indian refiners.",
                    0.4,
                ),
                (
                    f"Both sides are expected to sign a long-term crude supply deal "
                    f"{rng.choice(_DEAL_DATE)[0]}.",
                    0.4,
                ),
                ("Indian refiners signed a long-term supply agreement with Rosneft.", 0.2),
            ],
        )
    )


def _defence_production(rng: random.Random) -> str:
    year = _w(rng, [("2027", 0.6), ("2028", 0.3), ("2030", 0.1)])
    return str(
        _pick(
            rng,
            [
                (
                    "The defence ministers agreed to set up joint defence production of spare "
                    f"parts in India by {year}.",
                    0.6,
                ),
                (
                    "Belousov said Moscow was ready to support self-reliance in defence "
                    "production.",
                    0.4,
                ),
            ],
        )
    )


def _nuclear(rng: random.Random) -> str:
    return str(
        _pick(
            rng,
            [
                (
                    f"Russia and India signed a roadmap on civil nuclear cooperation on "
                    f"{rng.choice(WEEKDAYS)}.",
                    0.6,
                ),
                ("Modi and Putin are expected to address civil nuclear energy.", 0.4),
            ],
        )
    )


def _defence_cooperation(rng: random.Random) -> str:
    return str(
        _pick(
            rng,
            [
                ("Moscow pledged to deepen defence cooperation with New Delhi.", 0.6),
                (
                    f"Talks on defence cooperation were postponed until {rng.choice(MONTHS)}.",
                    0.4,
                ),
            ],
        )
    )


FIGURES: list[Template] = [
    _trade_target, _trade_target, _trade_actual, _exports, _crude, _agreements, _reactors,
    _workers, _cargo,
]  # fmt: skip
COMMITMENTS: list[Template] = [
    _corridor, _labour, _crude_deal, _defence_production, _nuclear, _defence_cooperation,
]  # fmt: skip


def _filler(rng: random.Random) -> str:
    city = rng.choice(CITIES)
    official = rng.choice(OFFICIALS)
    adj = rng.choice(["constructive", "frank", "productive", "difficult", "wide-ranging"])
    sector = rng.choice(
        ["pharmaceuticals", "fertilisers", "machinery", "farm produce", "engineering goods"]
    )
    templates = [
        f"Speaking to reporters in {city}, {official} described the talks as {adj}.",
        f"Analysts in {city} said ties between India and Russia remained steady despite "
        "Western pressure.",
        "Diplomats in Washington and Brussels are watching New Delhi's ties with Moscow closely.",
        "Payments in rupees and roubles remain a sticking point for exporters, bankers said.",
        f"Exporters of {sector} say logistics costs still weigh on business with Russia.",
        "The Russian delegation included officials from the energy and transport ministries.",
        f"Indian companies in {sector} have been scouting for partners in Russian cities.",
        "Neither side gave details of the financing, and officials declined to comment further.",
        "Western sanctions on Russian banks continue to complicate settlement for Indian firms.",
        f"The meeting in {city} followed months of preparatory work by both foreign ministries.",
        "Critics in India argue that the relationship is too dependent on discounted oil.",
        "Russian officials have repeatedly described India as a privileged strategic partner.",
        f"Business chambers in {city} welcomed the tone of the discussions.",
        "Insurance and shipping remain the weak links in trade between the two countries.",
        f"About {_w(rng, [('40', 0.6), ('50', 0.2), ('35', 0.2)])} business leaders travelled "
        "with the delegation.",
        f"A Moscow-based {rng.choice(['fertiliser', 'steel', 'chemicals'])} maker plans to "
        f"invest Rs {_w(rng, [('4,500', 0.6), ('3,000', 0.2), ('6,000', 0.2)])} crore in a "
        f"plant in {rng.choice(['Odisha', 'Gujarat', 'Andhra Pradesh'])}.",
        "The talks lasted well into the evening, according to people familiar with them.",
        f"New Delhi has sought better market access for Indian {sector} in Russia.",
    ]
    return rng.choice(templates)


# --- one entry --------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusSpec:
    feeds: int = 10
    entries: int = 100  # per feed
    seed: int = 2025

    @property
    def articles(self) -> int:
        return self.feeds * self.entries


@dataclass(frozen=True)
class Entry:
    feed: int
    index: int
    outlet: str
    title: str
    summary: str
    author: str
    published: datetime
    path: str  # /outlet-slug/2025/12/05/slug.html
    guid: str


@dataclass(frozen=True)
class Article:
    entry: Entry
    paragraphs: tuple[str, ...]  # the text of the <article>'s blocks, as a reader sees it
    html: bytes


def outlet_of(feed: int) -> str:
    return OUTLETS[feed % len(OUTLETS)] + ("" if feed < len(OUTLETS) else f" {feed}")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _rng(spec: CorpusSpec, *parts: object) -> random.Random:
    # A str seed is hashed with SHA-512: the same on every run and machine.
    return random.Random(":".join(str(p) for p in (spec.seed, *parts)))


_HEADLINES = [
    "India, Russia {verb} {topic} as Putin visit {ends}",
    "Modi and Putin {verb} {topic} in New Delhi",
    "Russia and India {verb} {topic} amid Western pressure",
    "New Delhi, Moscow {verb} {topic}",
    "Kremlin says India and Russia {verb} {topic}",
]
_TOPICS = [
    "trade goal", "energy ties", "defence production", "labour pact", "maritime corridor",
    "nuclear roadmap", "crude supply", "payment links", "fertiliser deals",
]  # fmt: skip


def entry(spec: CorpusSpec, feed: int, index: int) -> Entry:
    rng = _rng(spec, "entry", feed, index)
    outlet = outlet_of(feed)
    title = rng.choice(_HEADLINES).format(
        verb=rng.choice(["weigh", "push", "review", "talk up", "revisit", "firm up"]),
        topic=rng.choice(_TOPICS),
        ends=rng.choice(["ends", "closes", "wraps up"]),
    )
    summary = (
        f"Officials in New Delhi and Moscow discussed {rng.choice(_TOPICS)} and "
        f"{rng.choice(_TOPICS)} as India and Russia took stock of their partnership."
    )
    published = START + timedelta(minutes=rng.randrange(SPAN_MINUTES))
    slug = f"{_slug(title)}-{feed}-{index}"
    path = f"/{_slug(outlet)}/{published:%Y/%m/%d}/{slug}.html"
    return Entry(
        feed=feed,
        index=index,
        outlet=outlet,
        title=title,
        summary=summary,
        author=rng.choice(AUTHORS),
        published=published,
        path=path,
        guid=f"{_slug(outlet)}-{feed}-{index}",
    )


def prose(rng: random.Random, published: datetime, outlet: str) -> list[str]:
    """Paragraphs of 1-4 sentences: 30-60 sentences, a third of them facts."""
    facts = rng.randint(6, 14)
    fillers = rng.randint(24, 46)
    sentences = [rng.choice(FIGURES)(rng) for _ in range(facts // 2)]
    sentences += [rng.choice(COMMITMENTS)(rng) for _ in range(facts - facts // 2)]
    sentences += [_filler(rng) for _ in range(fillers)]
    rng.shuffle(sentences)
    lead = (
        f"{published:%B} {published.day} ({outlet}): India and Russia took stock of their "
        f"partnership on {published:%A} as officials from New Delhi and Moscow met again."
    )
    paragraphs = [lead]
    i = 0
    while i < len(sentences):
        n = rng.randint(1, 4)
        paragraphs.append(" ".join(sentences[i : i + n]))
        i += n
    return paragraphs


# --- page furniture ---------------------------------------------------------------------


def _links(rng: random.Random, base: str, words: list[str], n: int, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    items = []
    for _ in range(n):
        word = rng.choice(words)
        href = f"{base}/{_slug(word)}/{rng.randrange(10**6)}"
        items.append(f'<li{attr}><a href="{href}">{word}</a></li>')
    return "".join(items)


def _css(rng: random.Random, rules: int) -> str:
    props = ["margin", "padding", "color", "font-size", "line-height", "border", "display"]
    out = []
    for i in range(rules):
        name = rng.choice(["nav", "card", "story", "teaser", "footer", "promo", "grid"])
        body = ";".join(f"{rng.choice(props)}:{rng.randrange(40)}px" for _ in range(4))
        out.append(f".{name}-{i}{{{body}}}")
    return "\n".join(out)


_JS_LINES = [
    'window.__q=window.__q||[];__q.push(["{a}",{{"slot":"{b}","sizes":[[300,250],[728,90]]}}]);',
    "function _{a}(e,t){{var n=e.{b}||{{}};return t?n[t]:n}}",
    'var {a}=document.querySelectorAll(".{b}");for(var i=0;i<{a}.length;i++){{{a}[i].dataset.k=i}}',
    '(function(w,d){{var s=d.createElement("script");s.async=1;s.src="/static/{a}.{b}.js";'
    "d.head.appendChild(s)}})(window,document);",
    'try{{localStorage.setItem("{a}",JSON.stringify({{"v":"{b}","t":Date.now()}}))}}catch(e){{}}',
]


def _js(rng: random.Random, size: int) -> str:
    out: list[str] = []
    total = 0
    while total < size:
        line = rng.choice(_JS_LINES).format(
            a=f"x{rng.randrange(16**5):05x}", b=f"k{rng.randrange(16**4):04x}"
        )
        out.append(line)
        total += len(line) + 1
    return "\n".join(out)[:size]


def _comments(rng: random.Random, n: int, published: datetime, first: int = 0) -> str:
    opinions = [
        "Trade will never hit $300 billion by 2040, whatever they sign.",
        "Another summit, another 50 MoUs that nobody reads.",
        "Good news for exporters if the payment issue is really fixed.",
        "The corridor has been announced five times already.",
        "Oil at a discount is the only thing holding this together.",
    ]
    out = []
    for i in range(first, first + n):
        when = published + timedelta(minutes=7 * (i + 1))
        out.append(
            f'<div class="comment" id="c{i}"><div class="comment-meta">'
            f'<span class="comment-author">{rng.choice(HANDLES)}</span> '
            f'<time datetime="{when.isoformat()}">{when:%d %b %H:%M}</time></div>'
            f"<p>Reader comment: {rng.choice(opinions)}</p>"
            '<div class="comment-actions"><button>Reply</button><button>Like</button>'
            f"<span>{rng.randrange(80)} likes</span></div></div>"
        )
    return "".join(out)


def _related(rng: random.Random, base: str, outlet: str, n: int) -> str:
    cards = []
    for _ in range(n):
        title = rng.choice(_HEADLINES).format(
            verb="eye", topic=rng.choice(_TOPICS), ends="continues"
        )
        href = f"{base}/{_slug(outlet)}/related/{_slug(title)}-{rng.randrange(10**6)}.html"
        cards.append(
            f'<div class="card teaser"><a href="{href}"><img src="{base}/img/{rng.randrange(10**6)}'
            f'.jpg" alt="" width="320" height="180" loading="lazy"></a>'
            f'<h3><a href="{href}">{html.escape(title)}</a></h3>'
            f"<p>More on {rng.choice(_TOPICS)} from our correspondents.</p></div>"
        )
    return "".join(cards)


def _ad(rng: random.Random, name: str) -> str:
    slot = f"div-gpt-ad-{rng.randrange(10**9)}-{name}"
    return (
        f'<div class="ad ad-{name}" id="{slot}"><span class="ad-label">Advertisement</span>'
        f'<script>googletag.cmd.push(function(){{googletag.display("{slot}")}});</script>'
        f'<iframe src="about:blank" width="300" height="250" title="ad"></iframe></div>'
    )


def _svg_icons(n: int) -> str:
    paths = "".join(
        f'<symbol id="icon-{i}" viewBox="0 0 24 24">'
        f'<path d="M{i % 24} 2L22 {i % 20}L2 22z"/></symbol>'
        for i in range(n)
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{paths}</svg>'


def article(spec: CorpusSpec, feed: int, index: int, base_url: str) -> Article:
    """The page of one feed entry: 50-150 KB of HTML around generated prose."""
    e = entry(spec, feed, index)
    rng = _rng(spec, "page", feed, index)
    paragraphs = prose(rng, e.published, e.outlet)
    target = rng.randint(MIN_PAGE_BYTES + 2048, MAX_PAGE_BYTES - 2048)
    richness = rng.random()
    url = f"{base_url}{e.path}"
    iso = e.published.isoformat()
    title = html.escape(e.title)
    outlet = html.escape(e.outlet)

    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": e.title,
                "datePublished": iso,
                "dateModified": iso,
                "author": {"@type": "Person", "name": e.author},
                "publisher": {"@type": "Organization", "name": e.outlet},
                "mainEntityOfPage": url,
            },
            {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": i + 1, "name": s}
                    for i, s in enumerate(["Home", "World", "Asia"])
                ],
            },
        ],
    }
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} | {outlet}</title>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:site_name" content="{outlet}">'
        '<meta property="og:type" content="article">'
        f'<meta property="og:url" content="{url}">'
        f'<meta property="article:published_time" content="{iso}">'
        f'<meta name="author" content="{html.escape(e.author)}">'
        f'<meta name="description" content="{html.escape(e.summary)}">'
        '<meta name="twitter:card" content="summary_large_image">'
        f'<link rel="canonical" href="{url}">'
        f'<link rel="preload" as="font" href="{base_url}/static/font.woff2" crossorigin>'
        f"<style>{_css(rng, 60 + int(richness * 120))}</style>"
        '<script>window.dataLayer=window.dataLayer||[];dataLayer.push({"pageType":"article",'
        f'"section":"world","author":"{html.escape(e.author)}"}});</script>'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        "</head>"
    )
    links = 6 + int(richness * 14)
    nav_sections = "".join(
        f'<li class="menu-item has-children"><a href="{base_url}/{_slug(s)}">{s}</a>'
        f'<ul class="sub-menu">{_links(rng, base_url, SECTIONS + CITIES, links, "menu-item")}'
        "</ul></li>"
        for s in SECTIONS[: 8 + int(richness * 8)]
    )
    top = (
        f'<body class="article-page">{_svg_icons(20 + int(richness * 30))}'
        '<div id="cookie-consent" class="cookie-banner" role="dialog"><p>We use cookies to '
        "improve your experience and to show you personalised ads.</p>"
        "<button>Accept all</button><button>Manage settings</button></div>"
        f'<header class="site-header"><div class="topbar"><span>{e.published:%A, %d %B %Y}</span>'
        f'<a href="{base_url}/login">Sign in</a> <a href="{base_url}/subscribe">Subscribe</a></div>'
        f'<a class="logo" href="{base_url}/">{outlet}</a>'
        f'<nav class="main-menu" aria-label="Main"><ul>{nav_sections}</ul></nav></header>'
        f'<ol class="breadcrumb"><li><a href="{base_url}/">Home</a></li>'
        f'<li><a href="{base_url}/world">World</a></li><li>Asia</li></ol>' + _ad(rng, "leaderboard")
    )

    body: list[str] = []
    subheads = ["What was agreed", "Energy and payments", "Defence ties", "What comes next"]
    quote_at = rng.randrange(3, len(paragraphs))
    ad_at = rng.randrange(2, len(paragraphs))
    for i, paragraph in enumerate(paragraphs):
        if i and i % 5 == 0 and subheads:
            heading = subheads.pop(0)
            body.append(f"<h2>{heading}</h2>")
        if i == ad_at:
            body.append(_ad(rng, "inarticle"))
            body.append(
                f'<div class="related-inline">Read more: <a href="{base_url}/x">Related stories'
                "</a></div>"
            )
        tag = "blockquote><p" if i == quote_at else "p"
        close = "p></blockquote" if i == quote_at else "p"
        body.append(f"<{tag}>{html.escape(paragraph, quote=False)}</{close}>")
    caption = "Prime Minister Narendra Modi and President Vladimir Putin in New Delhi."
    story = (
        '<main id="content"><div class="layout">'
        '<article class="story" itemscope itemtype="https://schema.org/NewsArticle">'
        f'<header class="story-header"><h1 itemprop="headline">{title}</h1>'
        f'<p class="standfirst">{html.escape(e.summary)}</p>'
        f'<div class="byline">By <a rel="author" href="{base_url}/authors/{_slug(e.author)}">'
        f'{html.escape(e.author)}</a> <time datetime="{iso}">{e.published:%d %B %Y, %H:%M}</time>'
        "</div></header>"
        f'<figure class="lead-image"><picture><source srcset="{base_url}/img/lead.webp" '
        f'type="image/webp"><img src="{base_url}/img/lead.jpg" alt="" width="1200" height="675">'
        f"</picture><figcaption>{caption}</figcaption></figure>"
        f'<div class="story-body" itemprop="articleBody">{"".join(body)}</div>'
        '<div class="share-bar"><a href="#">Share on WhatsApp</a><a href="#">Share on X</a>'
        '<a href="#">Copy link</a></div></article>'
        f'<aside class="sidebar"><h2>Most read</h2><ol>{_links(rng, base_url, _TOPICS, 10)}</ol>'
        + _ad(rng, "sidebar")
        + '<form class="newsletter"><p>Subscribe to our newsletter</p><input type="email">'
        "<button>Sign up</button></form></aside></div></main>"
    )
    columns = "".join(
        f'<div class="footer-col"><h4>{s}</h4><ul>{_links(rng, base_url, SECTIONS, 10)}</ul></div>'
        for s in SECTIONS[:6]
    )
    footer = (
        f'<footer class="site-footer">{columns}<p>&copy; 2025 {outlet}. All rights reserved.</p>'
        f'<p><a href="{base_url}/terms">Terms</a> | <a href="{base_url}/privacy">Privacy</a></p>'
        "</footer>"
    )
    # Markup (related cards, comments, "latest" lists) fills 55-75% of the page, as on
    # real news pages (1,000-2,500 elements); inline script makes up the rest.
    fixed = sum(len(p.encode()) for p in (head, top, story, footer)) + 200
    budget = int(target * rng.uniform(0.55, 0.75)) - fixed
    cards: list[str] = []
    notes: list[str] = []
    latest: list[str] = []
    while budget > 0:
        chunk = (
            _related(rng, base_url, e.outlet, 1)
            if len(cards) <= len(notes) // 2
            else _comments(rng, 1, e.published, len(notes))
        )
        (cards if chunk.startswith('<div class="card') else notes).append(chunk)
        latest.append(_links(rng, base_url, _TOPICS + CITIES, 1, "latest-item"))
        budget -= len(chunk.encode()) + len(latest[-1].encode())
    related = (
        f'<aside class="related-stories"><h2>Related stories</h2>{"".join(cards)}</aside>'
        f'<section class="latest-news"><h2>Latest</h2><ul>{"".join(latest)}</ul></section>'
    )
    comments = (
        f'<section id="comments" class="comments"><h2>Comments</h2>{"".join(notes)}</section>'
    )
    parts = [head, top, story, related, comments, footer]
    size = sum(len(p.encode()) for p in parts) + len("<script></script></body></html>")
    # The rest of the page's weight is inline script, as on most news sites.
    bundle = _js(rng, max(0, target - size))
    page = "".join(parts) + f"<script>{bundle}</script></body></html>"
    return Article(e, tuple(paragraphs), page.encode())


def feed_xml(spec: CorpusSpec, feed: int, base_url: str) -> bytes:
    """RSS 2.0 for one outlet: its entries, newest first."""
    entries = sorted(
        (entry(spec, feed, i) for i in range(spec.entries)), key=lambda e: e.published, reverse=True
    )
    outlet = html.escape(outlet_of(feed))
    items = "".join(
        "<item>"
        f"<title>{html.escape(e.title)}</title>"
        f"<link>{base_url}{e.path}</link>"
        f'<guid isPermaLink="false">{e.guid}</guid>'
        f"<pubDate>{format_datetime(e.published)}</pubDate>"
        f"<dc:creator>{html.escape(e.author)}</dc:creator>"
        "<category>World</category><category>India</category>"
        f"<description>{html.escape(e.summary)}</description>"
        "</item>\n"
        for e in entries
    )
    build = max((e.published for e in entries), default=START)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{outlet}: India</title><link>{base_url}/</link>"
        f"<description>Latest India news from {outlet}</description><language>en</language>"
        f"<lastBuildDate>{format_datetime(build)}</lastBuildDate>\n{items}</channel></rss>\n"
    ).encode()


def feed_path(feed: int) -> str:
    return f"/feeds/{feed:03d}.xml"


# --- writing and serving ----------------------------------------------------------------


@dataclass(frozen=True)
class CorpusStats:
    pages: int
    page_bytes: int  # uncompressed
    min_page: int
    max_page: int
    stored_bytes: int  # gzipped, on disk


def _store(root: Path, path: str, body: bytes) -> int:
    target = root / (path.lstrip("/") + ".gz")
    target.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(body, compresslevel=6, mtime=0)
    target.write_bytes(data)
    return len(data)


def _write_feed(spec: CorpusSpec, feed: int, root: Path, base_url: str) -> CorpusStats:
    sizes: list[int] = []
    stored = _store(root, feed_path(feed), feed_xml(spec, feed, base_url))
    for index in range(spec.entries):
        page = article(spec, feed, index, base_url)
        sizes.append(len(page.html))
        stored += _store(root, page.entry.path, page.html)
    return CorpusStats(len(sizes), sum(sizes), min(sizes), max(sizes), stored)


def write_corpus(spec: CorpusSpec, root: Path, base_url: str, workers: int = 2) -> CorpusStats:
    """Write every feed and page (gzipped) under ``root``, in ``workers`` processes."""
    root.mkdir(parents=True, exist_ok=True)
    if workers <= 1 or spec.feeds == 1:
        parts = [_write_feed(spec, f, root, base_url) for f in range(spec.feeds)]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_write_feed, spec, f, root, base_url) for f in range(spec.feeds)]
            parts = [f.result() for f in futures]
    return CorpusStats(
        pages=sum(p.pages for p in parts),
        page_bytes=sum(p.page_bytes for p in parts),
        min_page=min(p.min_page for p in parts),
        max_page=max(p.max_page for p in parts),
        stored_bytes=sum(p.stored_bytes for p in parts),
    )


def _handler(root: Path) -> type[BaseHTTPRequestHandler]:
    root = root.resolve()

    class CorpusHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path).lstrip("/")
            target = (root / (path + ".gz")).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                self._answer(404, b"not found", {"Content-Type": "text/plain"})
                return
            stat = target.stat()
            etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
            wanted = {t.strip() for t in self.headers.get("If-None-Match", "").split(",")}
            if etag in wanted or f"W/{etag}" in wanted:
                self._answer(304, b"", {"ETag": etag})
                return
            body = target.read_bytes()
            headers = {"ETag": etag, "Cache-Control": "max-age=60"}
            if path.endswith(".xml"):
                headers["Content-Type"] = "application/rss+xml; charset=utf-8"
            else:
                headers["Content-Type"] = "text/html; charset=utf-8"
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                headers["Content-Encoding"] = "gzip"
            else:
                body = gzip.decompress(body)
            self._answer(200, body, headers)

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return CorpusHandler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the flow opens hundreds of connections at once


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (any free port) in this process; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _handler(root))
    host, port = server.server_address[:2]
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="corpus-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write", help="write a corpus into DIR")
    write.add_argument("dir", type=Path)
    write.add_argument("--base-url", required=True)
    write.add_argument("--feeds", type=int, default=10)
    write.add_argument("--entries", type=int, default=100)
    write.add_argument("--seed", type=int, default=2025)
    srv = sub.add_parser("serve", help="serve DIR on 127.0.0.1 until stdin closes")
    srv.add_argument("dir", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        spec = CorpusSpec(args.feeds, args.entries, args.seed)
        stats = write_corpus(spec, args.dir, args.base_url.rstrip("/"), workers=os.cpu_count() or 1)
        print(stats)
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    with serve(args.dir) as base_url:
        print(base_url, flush=True)
        sys.stdin.read()  # the parent closes our stdin to stop us


if __name__ == "__main__":
    _main()
