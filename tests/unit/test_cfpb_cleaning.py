"""Cleaning a CFPB file's text: ftfy is asked only where it could change
something, and the answer is the same as asking it everywhere."""

from __future__ import annotations

import csv
import random

from redress.importers.cfpb import _may_need_repair, _repaired, clean_text
from tests.conftest import SHARED_DATA


def test_text_passed_over_is_text_ftfy_leaves_as_it_is() -> None:
    fields: set[str] = set()
    for path in sorted(SHARED_DATA.glob("cfpb_*.csv")):
        with path.open(newline="", encoding="utf-8-sig") as f:
            for i, row in enumerate(csv.reader(f)):
                fields.update(row)
                if i == 2_000:
                    break
    rng = random.Random(11)
    ascii_but_amp_and_esc = [chr(c) for c in range(128) if chr(c) not in "&\x1b"]
    made = {"".join(rng.choices(ascii_but_amp_and_esc, k=rng.randint(1, 60))) for _ in range(3000)}
    passed_over = [t for t in fields | made if not _may_need_repair(t)]
    assert len(passed_over) > 3000
    assert [t for t in passed_over if _repaired(t) != t] == []


def test_entities_escapes_and_mojibake_are_still_repaired() -> None:
    assert clean_text("Fees &amp; charges")[0] == "Fees & charges"
    assert clean_text("I paid the fee \x1b[31mtwice")[0] == "I paid the fee twice"
    fixed, done = clean_text("The bankâ€™s letter")
    assert fixed == "The bank\u2019s letter"
    assert done == ["repaired a broken character encoding (mojibake)"]
    assert clean_text("plain ASCII, nothing to do") == ("plain ASCII, nothing to do", [])
