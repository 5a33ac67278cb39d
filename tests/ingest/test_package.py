"""The room's rules: public API, imports, no environment."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import ingest

PACKAGE_DIR = Path(ingest.__file__).parent
# httpcore: the transport under httpx, for the connect-time address check (transport.py).
ALLOWED_THIRD_PARTY = {"httpx", "httpcore", "feedparser", "bs4", "lxml"}
PUBLIC = {
    "ArticleContent", "ArticleParseError", "BlockedURL", "FeedEntry", "FeedParseError",
    "FetchError", "FetchLimits", "FetchStatusError", "FetchTimeout", "FetchTooLarge",
    "Fetched", "IngestError", "ParsedFeed", "Resolver", "TooManyRedirects", "canonical_url",
    "extract_article", "fetch", "guard_url", "is_http_url", "is_public_address",
    "make_client", "parse_feed", "parse_ip_literal", "FetchTransportError", "is_transient",
}  # fmt: skip


def _modules() -> list[Path]:
    return sorted(PACKAGE_DIR.glob("*.py"))


def test_public_api_is_exported():
    assert set(ingest.__all__) == PUBLIC
    for name in ingest.__all__:
        assert getattr(ingest, name) is not None


def test_ingest_imports_only_stdlib_itself_and_the_allowed_libraries():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                allowed = (
                    root in sys.stdlib_module_names
                    or root in ALLOWED_THIRD_PARTY
                    or root in {"ingest", "__future__"}
                )
                assert allowed, f"{path.name} imports {root}"


def test_nothing_reads_the_environment():
    # Settings come in as arguments; flows/ reads the environment, once.
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.id
                if isinstance(node, ast.Name)
                else None
            )
            imported = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            for used in [name, *imported]:
                assert used not in {"environ", "environb", "getenv", "putenv"}, path.name


def test_modules_stay_small():
    for path in _modules():
        assert len(path.read_text().splitlines()) < 400, path.name
