"""What "no active markup" means, checked on the parsed document (lxml), not on strings."""

from __future__ import annotations

import lxml.html
from markdown_it import MarkdownIt

# Elements that can run code, load something, or send what a reader types.
BANNED = (
    "script", "svg", "math", "form", "input", "textarea", "button", "iframe", "frame",
    "object", "embed", "img", "base", "link[not(@rel='stylesheet')]",
)  # fmt: skip


def assert_inert(html: str) -> lxml.html.HtmlElement:
    """No banned element, no on* attribute, and links only to http(s) or in-page anchors."""
    tree = lxml.html.document_fromstring(html)
    found = tree.xpath(" | ".join(f"//{tag}" for tag in BANNED))
    assert found == [], [element.tag for element in found]
    for element in tree.iter():
        for name, value in element.attrib.items():
            lowered = name.lower()
            assert not lowered.startswith("on"), (element.tag, name)
            if lowered.endswith("href") or lowered in ("src", "action", "formaction"):
                assert value.startswith(("http://", "https://", "#")), (element.tag, value)
    return tree


def markdown_as_html(markdown: str) -> str:
    """The Markdown as a viewer shows it: CommonMark passes raw HTML through, so markup
    that survived would become elements here."""
    body = MarkdownIt("commonmark").enable("table").render(markdown)
    return f"<html><body>{body}</body></html>"
