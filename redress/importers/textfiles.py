"""Reading the text files importers take: their encoding, and CSV rows of
any length.

Exports are UTF-8, often with a byte-order mark; a file opened and saved
again in a spreadsheet on Windows is usually Windows-1252 or another legacy
code page. A file that is valid UTF-8 throughout is read as UTF-8, one with
a UTF-16 or UTF-32 byte-order mark as that; any other in the encoding
charset-normalizer finds for it, and the importer says which, so that nobody's
"é" becomes "Ã©" or stops an import half-way.
"""

from __future__ import annotations

import codecs
import csv
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

UTF8 = "utf-8-sig"
# Read at a time while checking that a file is UTF-8 throughout.
CHUNK = 1 << 20
# At most this much of a file that is not UTF-8 is shown to charset-normalizer:
# its words beyond ASCII, from about where its first byte that is not UTF-8 is.
SAMPLE = 1 << 20
WINDOWS_WESTERN = "cp1252"
# The legacy encodings spreadsheets and exports write, which are the ones
# looked among: Windows' code pages, ISO 8859, and the common East Asian and
# Cyrillic ones. (DOS and old Mac code pages read a few accented letters as
# plausibly as these, and are not what anyone exports today.)
LEGACY = (
    "cp1252",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "iso8859_2",
    "iso8859_5",
    "iso8859_7",
    "iso8859_15",
    "koi8_r",
    "shift_jis",
    "euc_jp",
    "gb18030",
    "big5",
    "euc_kr",
)
# charset-normalizer's "chaos" (0 to 1) within which Windows-1252 is taken.
NEARLY_AS_PLAUSIBLE = 0.05
# Files that say their encoding with a byte-order mark (UTF-8's is read by
# "utf-8-sig"); UTF-32's before UTF-16's, which begin the same.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# Python's csv stops at a field of 128 KiB; importers read longer ones, so
# that such a row is reported (and not sent) and the import goes on. A field
# longer than this is no file of complaints or articles.
MAX_FIELD_CHARACTERS = 64 << 20


class NotCsv(ValueError):
    """The file stops being CSV at a line; the message says which."""


def csv_rows(path: Path, reader: Iterable[Any]) -> Iterator[Any]:
    """The rows of a csv reader (or DictReader) of `path`, whose fields may be
    up to MAX_FIELD_CHARACTERS long; NotCsv naming the line where the file
    stops being CSV. The limit holds from the call: a DictReader's header may
    be read before its first row."""
    csv.field_size_limit(MAX_FIELD_CHARACTERS)
    return _rows(path, reader)


def _rows(path: Path, reader: Iterable[Any]) -> Iterator[Any]:
    rows = iter(reader)
    while True:
        try:
            yield next(rows)
        except StopIteration:
            return
        except csv.Error as err:
            line = getattr(reader, "line_num", 0)
            raise NotCsv(
                f"{path.name} line {line:,}: {err}: the file is not CSV from there on"
            ) from None


class NotText(ValueError):
    """The file is not text in any encoding charset-normalizer knows."""


def codec_name(name: str) -> str:
    """Python's name for an encoding a person names ("latin-1", "Windows-1250");
    ValueError naming it when Python knows no such encoding."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(
            f"unknown encoding {name!r}; e.g. utf-8, cp1252, cp1250, latin-1"
        ) from None


def file_encoding(path: Path) -> str:
    """The codec to read `path` with: "utf-8-sig" for UTF-8 (with or without
    a byte-order mark), "utf-16" or "utf-32" for a file that begins with
    theirs, else the legacy encoding its bytes are in, such as "cp1252".
    NotText when there is none."""
    stat = path.stat()
    return _encoding(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _encoding(path: Path, size: int, modified: int) -> str:
    # size and modified: a file written again is looked at again.
    with path.open("rb") as f:
        start = f.read(4)
    for bom, codec in BOMS:
        if start.startswith(bom):
            return codec
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                return _legacy(path, offset + err.start)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            # UTF-8 throughout but for its last character, begun and not
            # finished: the file was cut short, and its last row with it.
            raise NotText(
                f"{path.name} ends part of the way through a character (UTF-8 up to there): "
                "it looks cut short, by a download or copy that stopped; import the whole file"
            ) from None
    return UTF8


def _legacy(path: Path, first_bad: int) -> str:
    # Shown only the words that hold bytes beyond ASCII: in a file of mostly
    # ASCII, the rest says nothing of its encoding and drowns what does.
    words: list[bytes] = []
    size = 0
    with path.open("rb") as f:
        f.seek(max(0, first_bad - CHUNK))
        for line in f:
            if line.isascii():
                continue
            for word in line.split():
                if not word.isascii():
                    words.append(word)
                    size += len(word) + 1
            if size >= SAMPLE:
                break
    matches = from_bytes(b" ".join(words), cp_isolation=list(LEGACY))
    best = matches.best()
    if best is None:
        raise NotText(
            f"{path.name} is not UTF-8 (byte {first_bad:,} is not) and its encoding could not "
            "be recognised: save it as UTF-8 CSV, or say its encoding (--encoding), and "
            "import it again"
        )
    # Where Windows-1252 (what spreadsheets on Windows write in Western Europe
    # and the Americas) reads these bytes about as plausibly as the best and
    # as much like a language, it is the likeliest: a few accented letters read
    # almost as well in several code pages.
    western = next((m for m in matches if WINDOWS_WESTERN in m.could_be_from_charset), None)
    if (
        western is not None
        and western.chaos <= best.chaos + NEARLY_AS_PLAUSIBLE
        and western.coherence >= best.coherence
    ):
        return WINDOWS_WESTERN
    # Python's own name for the codec, e.g. cp1250.
    return codecs.lookup(best.encoding).name
