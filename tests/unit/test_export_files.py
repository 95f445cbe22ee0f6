"""A customer's export streams each file's content into the JSON document one
file at a time, in parts no larger than the chunk size (services/cases/attachments.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import pytest

from services.cases.attachments import export_stream

MARK = "\x00f00dfeed:"


@pytest.mark.parametrize("chunk", [4, 7, 64, 1 << 20])
def test_files_are_written_into_the_document_in_parts_of_the_chunk_size(chunk: int) -> None:
    files = {hashlib.sha256(c).hexdigest(): c for c in (os.urandom(1000), b"", b"x" * 5)}
    document = {
        "narrative": "a customer's words, \u00e4 and a \\u0000 written out",
        "attachments": [{"sha256": d, "content_base64": MARK + d} for d in files],
    }
    fetched: list[str] = []

    def fetch(digest: str) -> bytes:
        fetched.append(digest)
        return files[digest]

    encoded = json.dumps(document, ensure_ascii=False, indent=1).encode()
    parts = list(export_stream(encoded, MARK, fetch, chunk))
    assert all(0 < len(p) <= chunk for p in parts)
    read = json.loads(b"".join(parts))
    assert read["narrative"] == document["narrative"]
    for item in read["attachments"]:
        assert base64.b64decode(item["content_base64"]) == files[item["sha256"]]
    assert fetched == list(files)


def test_text_that_looks_like_the_mark_without_it_is_left_alone() -> None:
    encoded = json.dumps({"note": "f00dfeed:" + "a" * 64}).encode()
    assert b"".join(export_stream(encoded, MARK, lambda d: b"never", 16)) == encoded
