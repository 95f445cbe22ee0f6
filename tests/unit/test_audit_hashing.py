"""The JSON that audit hashes and seals cover is the same text whichever
library writes it: every trail sealed before must still verify."""

from __future__ import annotations

import json

from redress.db.audit_seal import hashed_json


def standard(content: list[object]) -> str:
    """The definition trails were sealed under."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def test_every_character_is_written_as_the_standard_library_writes_it() -> None:
    # A string is escaped one character at a time, so agreeing on every code
    # point (lone surrogates included) is agreeing on every string.
    wrong = [
        hex(cp)
        for cp in range(0x110000)
        if hashed_json([chr(cp), f"a{chr(cp)}b"]) != standard([chr(cp), f"a{chr(cp)}b"])
    ]
    assert wrong == []


def test_numbers_lists_and_real_narratives_are_written_the_same() -> None:
    from tests.conftest import cfpb_rows

    narratives = [
        row["Consumer complaint narrative"]
        for row in cfpb_rows("cfpb_complaints_2012_2023_sample.csv", 200)
    ]
    contents: list[list[object]] = [
        [2, "C-000001", 1, "2026-12-06T07:00:00.000001+00:00", "service", "intake", "", "x"],
        [0, -1, 2**63 - 1, -(2**63), 2**64, 2**70, -(2**70)],
        ["C-000001", 11, "ab" * 32, sorted(["cause", "new_value"])],
        ["", [], [""], "\x00\x1f\x7f\u2028\u2029\ufeff", "\ud800 lone", '😀 "q" \\ /'],
        [narrative for narrative in narratives],
    ]
    for content in contents:
        assert hashed_json(content) == standard(content)


def test_salts_are_never_handed_out_twice_even_across_a_fork() -> None:
    import os

    from services.cases.audit import new_salts

    drawn = [salt for _ in range(2_500) for salt in new_salts().values()]
    assert len(set(drawn)) == len(drawn)
    assert all(len(salt) == 32 and int(salt, 16) >= 0 for salt in drawn)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, "".join(new_salts().values()).encode())
        os._exit(0)
    os.waitpid(child, 0)
    in_child = os.read(read, 200).decode()
    os.close(read)
    os.close(write)
    after = "".join(new_salts().values())
    assert len(in_child) == 96 and in_child != after
