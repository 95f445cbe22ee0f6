"""Files to import in the encodings they come in: UTF-8 with or without a
byte-order mark, UTF-16 and UTF-32 with theirs, and the Windows code pages
spreadsheets save in; a file in none is refused saying what to do."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from redress.importers.cfpb import FileFormatError, read_rows
from redress.importers.faq import FaqRow, read_faq
from redress.importers.textfiles import NotText, codec_name, file_encoding
from tests.conftest import SHARED_DATA, write_csv

SOURCE = SHARED_DATA / "cfpb_personal_loan_narratives_2025.csv"
# What customers write beyond ASCII, all of it in Windows-1252.
WRITTEN = " The café charged €35; the “résumé” of fees says ‘none’ — naïve of me."


def real_rows(count: int = 40) -> list[dict[str, str]]:
    with SOURCE.open(newline="", encoding="utf-8") as f:
        rows = [r for _, r in zip(range(count), csv.DictReader(f), strict=False)]
    for row in rows[count // 2 :]:
        # Beyond ASCII only in the second half, as in a file where the first
        # such letter comes late.
        row["Consumer complaint narrative"] += WRITTEN
    return rows


def saved(tmp_path: Path, rows: list[dict[str, str]], encoding: str) -> Path:
    return write_csv(tmp_path / f"complaints-{encoding}.csv", rows, encoding)


@pytest.mark.parametrize(
    ("encoding", "read_as"),
    [
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-32", "utf-32"),
        ("cp1252", "cp1252"),
    ],
)
def test_each_encoding_reads_the_very_text_written(
    tmp_path: Path, encoding: str, read_as: str
) -> None:
    rows = real_rows()
    path = saved(tmp_path, rows, encoding)
    assert file_encoding(path) == read_as
    _, read = read_rows(path)
    narratives = [r.values["narrative"] for r in read]
    assert narratives == [r["Consumer complaint narrative"].strip() for r in rows]
    assert narratives[-1].endswith(WRITTEN.strip())


def test_a_code_page_is_found_though_its_first_letter_comes_after_megabytes(
    tmp_path: Path,
) -> None:
    plain = real_rows(131)[:20]
    rows = plain * 400  # about 2 MB of ASCII before the first such letter
    rows.append({**plain[0], "Consumer complaint narrative": "Déjà vu: €35 again."})
    path = saved(tmp_path, rows, "cp1252")
    assert path.stat().st_size > 2_000_000
    assert file_encoding(path) == "cp1252"
    _, read = read_rows(path)
    assert list(read)[-1].values["narrative"] == "Déjà vu: €35 again."


def test_a_file_in_no_text_encoding_is_refused_saying_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "complaints.csv"
    path.write_bytes(b"Product,Issue\n" + bytes(range(256)) * 64)
    with pytest.raises(NotText, match="save it as UTF-8 CSV"):
        file_encoding(path)
    with pytest.raises(FileFormatError, match="is not UTF-8"):
        read_rows(path)


def test_a_file_written_again_is_looked_at_again(tmp_path: Path) -> None:
    rows = real_rows()
    path = saved(tmp_path, rows, "cp1252")
    assert file_encoding(path) == "cp1252"
    path.write_text(path.read_text(encoding="cp1252") + "\n", encoding="utf-8")
    assert file_encoding(path) == "utf-8-sig"


@pytest.mark.parametrize(
    ("written", "encoding"),
    [
        (" С моей карты дважды списали деньги за один перевод.", "cp1251"),
        (" С моей карты дважды списали деньги за один перевод.", "koi8_r"),
        (" Χρεώθηκα δύο φορές για την ίδια μεταφορά.", "cp1253"),
        (" 口座から同じ送金の代金が二重に引き落とされました。", "shift_jis"),
    ],
)
def test_other_code_pages_are_read_in_their_own_alphabets(
    tmp_path: Path, written: str, encoding: str
) -> None:
    rows = real_rows()
    for n, row in enumerate(rows):
        # The real text up to its first letter beyond ASCII, then theirs.
        text = row["Consumer complaint narrative"].removesuffix(WRITTEN)
        text = text[: next((i for i, c in enumerate(text) if not c.isascii()), len(text))]
        row["Consumer complaint narrative"] = text + (written if n >= 20 else "")
    path = saved(tmp_path, rows, encoding)
    _, read = read_rows(path)
    narratives = [r.values["narrative"] for r in read]
    assert narratives == [r["Consumer complaint narrative"].strip() for r in rows], file_encoding(
        path
    )


def test_a_file_is_read_in_the_encoding_a_person_names(tmp_path: Path) -> None:
    # A few accented letters of Central European text read almost as well in
    # Windows-1252, which is then taken: whoever knows better says so.
    rows = real_rows()
    for row in rows[20:]:
        text = row["Consumer complaint narrative"].removesuffix(WRITTEN)
        row["Consumer complaint narrative"] = text.encode("ascii", "ignore").decode() + (
            " Płacę 35 zł za usługę, której nie zamówiłem."
        )
    for row in rows[:20]:
        row["Consumer complaint narrative"] = (
            row["Consumer complaint narrative"].encode("ascii", "ignore").decode()
        )
    path = saved(tmp_path, rows, "cp1250")
    _, read = read_rows(path, codec_name("Windows-1250"))
    assert [r.values["narrative"] for r in read] == [
        r["Consumer complaint narrative"].strip() for r in rows
    ]
    with pytest.raises(ValueError, match="unknown encoding 'latin-9000'"):
        codec_name("latin-9000")


def test_an_faq_saved_in_a_windows_code_page_reads_the_same(tmp_path: Path) -> None:
    source = SHARED_DATA / "bank_faqs_shared.csv"
    text = source.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    # The real FAQ, with an answer that quotes a fee as customers see it.
    lines[1] = lines[1].replace("card details.", "card details. (Café fee: €5 — “waived”)")
    changed = "".join(lines)
    saved_faq = tmp_path / "faq.csv"
    saved_faq.write_bytes(changed.encode("cp1252", "ignore"))
    original = tmp_path / "faq-utf8.csv"
    original.write_text(changed.encode("cp1252", "ignore").decode("cp1252"), encoding="utf-8")
    read = [r for r in read_faq(saved_faq) if isinstance(r, FaqRow)]
    assert read == [r for r in read_faq(original) if isinstance(r, FaqRow)]
    assert "€5 — “waived”" in read[0].question + read[0].answer


def test_a_file_that_stops_being_csv_says_where(tmp_path: Path, monkeypatch) -> None:
    import redress.importers.textfiles as textfiles

    monkeypatch.setattr(textfiles, "MAX_FIELD_CHARACTERS", 5_000)
    rows = real_rows()
    rows[30]["Consumer complaint narrative"] = "x" * 6_000
    path = saved(tmp_path, rows, "utf-8")
    _, read = read_rows(path)
    got = []
    with pytest.raises(FileFormatError, match=r"complaints-utf-8.csv line \d+: field larger"):
        for row in read:
            got.append(row)
    assert len(got) >= 29


def test_an_faq_answer_longer_than_pythons_csv_limit_is_read(tmp_path: Path) -> None:
    source = SHARED_DATA / "bank_faqs_shared.csv"
    with source.open(newline="", encoding="utf-8-sig") as f:
        rows = [r for _, r in zip(range(5), csv.DictReader(f), strict=False)]
    rows[2]["Answer"] = "Call us on the number on your card. " * 5_000  # 180 KB
    path = write_csv(tmp_path / "faq.csv", rows)
    read = [r for r in read_faq(path) if isinstance(r, FaqRow)]
    assert [r.answer for r in read] == [r["Answer"].strip() for r in rows]


def test_a_file_cut_short_in_the_middle_of_a_character_is_refused_saying_so(
    tmp_path: Path,
) -> None:
    faq = (SHARED_DATA / "bank_faqs_shared.csv").read_bytes()
    # The real FAQ, cut inside its last multi-byte character as a download
    # or `head -c` that stopped there leaves it.
    cut = faq[: max(i for i, b in enumerate(faq) if b >= 0xC0) + 1]
    path = tmp_path / "faq-partial.csv"
    path.write_bytes(cut)
    with pytest.raises(NotText, match="looks cut short"):
        file_encoding(path)
    with pytest.raises(FileFormatError, match="import the whole file"):
        read_rows(path)
