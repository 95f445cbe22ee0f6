"""A small, safe Markdown renderer for knowledge articles: what staff read in
the console and customers read on the public web form.

Headings, paragraphs, lists, emphasis, code and http(s) links; the source is
escaped first, so no markup an author writes reaches a page.
"""

from __future__ import annotations

import html
import re

from markupsafe import Markup

_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![*\w])\*(?!\s)(.+?)\*(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (
        re.compile(r"\[([^\]]+)\]\((https?://[^\s)]+)\)"),
        r'<a href="\2" rel="noopener noreferrer">\1</a>',
    ),
]


def _inline(text: str) -> str:
    out = html.escape(text, quote=True)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return out


def markdown(text: str) -> Markup:
    """Headings, paragraphs, lists, emphasis, code and http(s) links; everything
    else is shown as text. The source is escaped first, so no markup an author
    writes reaches the page."""
    blocks: list[str] = []
    items: list[str] = []
    ordered = False
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal items
        if paragraph:
            blocks.append("<p>" + _inline(" ".join(paragraph)) + "</p>")
            paragraph.clear()
        if items:
            tag = "ol" if ordered else "ul"
            blocks.append(f"<{tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>")
            items = []

    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,4})\s+(.*)$", stripped)
        bullet = re.match(r"^[-*]\s+(.*)$", stripped)
        number = re.match(r"^\d+[.)]\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1)) + 1
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or number:
            if paragraph:
                flush()
            if items and ordered != bool(number):
                flush()
            ordered = bool(number)
            items.append(_inline((bullet or number).group(1)))  # type: ignore[union-attr]
        else:
            if items:
                flush()
            paragraph.append(stripped)
    flush()
    return Markup("\n".join(blocks))
