"""The public API is what __all__ says, and alerts/ imports only what the design allows."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import alerts

ALERTS_DIR = Path(alerts.__file__).parent


def test_all_names_exist_and_are_public() -> None:
    assert sorted(alerts.__all__) == alerts.__all__
    for name in alerts.__all__:
        assert hasattr(alerts, name), name
    assert {"build_alerts", "SeverityRules", "render_html", "render_markdown"} <= set(
        alerts.__all__
    )


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_alerts_imports_only_facts_model_stdlib_jinja2_and_httpx() -> None:
    files = sorted(ALERTS_DIR.glob("*.py"))
    assert files
    for path in files:
        for module in _imports(path):
            top = module.split(".")[0]
            allowed = (
                module == "facts.model"
                or top == "alerts"
                or top == "jinja2"
                # Only the webhook channel does HTTP, with the client flows/ hands in.
                or (top == "httpx" and path.name == "webhook.py")
                # Only escape.py cleans untrusted text of markup, with nh3.
                or (top == "nh3" and path.name == "escape.py")
                or top in sys.stdlib_module_names
            )
            assert allowed, f"{path.name} imports {module}"


def test_alerts_does_not_read_the_environment() -> None:
    for path in ALERTS_DIR.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "os.environ" not in source and "getenv" not in source, path.name
        assert "open(" not in source, path.name
