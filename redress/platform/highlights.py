"""Search highlights: where the knowledge service marks the words a search
matched, and how each reader is shown them.

The knowledge API marks matches in `snippet` and `title_highlighted` with
`<em>` and `</em>` around plain article text (the text itself is never
HTML: an article may well contain "<", "&" or even "<em>"). A reader splits
on the markers and shows each piece in its own way: the console escapes every
piece and wraps the matches in <mark>, the terminal emphasises them.
"""

from __future__ import annotations

import re

PRE, POST = "<em>", "</em>"
_MARKERS = re.compile(f"({re.escape(PRE)}|{re.escape(POST)})")
BOLD, PLAIN = "\033[1m", "\033[0m"


def pieces(marked: str) -> list[tuple[str, bool]]:
    """The text in order, each piece with whether the search matched it."""
    out: list[tuple[str, bool]] = []
    inside = False
    for part in _MARKERS.split(marked):
        if part == PRE:
            inside = True
        elif part == POST:
            inside = False
        elif part:
            out.append((part, inside))
    return out


def plain(marked: str) -> str:
    return "".join(text for text, _ in pieces(marked))


def for_terminal(marked: str, colour: bool) -> str:
    """Matches in bold on a terminal that shows it, else between asterisks
    (as in plain-text e-mail); never the markers themselves."""
    before, after = (BOLD, PLAIN) if colour else ("*", "*")
    return "".join(f"{before}{text}{after}" if hit else text for text, hit in pieces(marked))
