"""Every text the console's Python code translates has a German and a Spanish translation.

The console's pages live in several modules (`services/console/routes/`); the
browser tests' own check reads the app module, this one reads them all.
"""

from __future__ import annotations

import re
from pathlib import Path

from services.console import i18n
from services.console.routes import cases

CONSOLE = Path(__file__).resolve().parents[2] / "services" / "console"


def test_every_text_the_pages_translate_has_a_translation() -> None:
    used: set[str] = set()
    for module in CONSOLE.rglob("*.py"):
        used |= set(re.findall(r'g\.t\("([^"]+)"\)', module.read_text()))
    # The case page's one-call forms say what was done through g.t(done).
    used |= {done for _, _, done in cases.ONE_CALL_FORMS.values()}
    assert "Article saved." in used and "View saved." in used  # the pattern still finds them
    missing = sorted(text for text in used if text not in i18n.TEXTS)
    assert not missing, f"no translation for: {missing}"
