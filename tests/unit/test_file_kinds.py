"""What a file on a case is, read from its content: the kinds kept, the kinds
refused and why, and names made safe (services/cases/file_kinds.py)."""

from __future__ import annotations

import io
import zipfile

import pytest

from services.cases.file_kinds import Refused, inspect, safe_filename

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4f60000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 40
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 56
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


OOXML = "application/vnd.openxmlformats-officedocument"
DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
EML = (
    b"From: Jana Kundin <jana@mail.test>\r\nTo: bank@bank.test\r\nSubject: Refund\r\n"
    b"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\n<p>Please refund me.</p>\r\n"
)
MSG = (
    OLE2
    + "__substg1.0_0037001F".encode("utf-16-le")
    + b"\x00" * 16
    + "__properties_version1.0".encode("utf-16-le")
)


@pytest.mark.parametrize(
    ("name", "content", "kept_as"),
    [
        ("statement.pdf", PDF, ("statement.pdf", "application/pdf")),
        ("receipt.PNG", PNG, ("receipt.PNG", "image/png")),
        ("photo.jpeg", JPEG, ("photo.jpeg", "image/jpeg")),
        ("photo.jpg", JPEG, ("photo.jpg", "image/jpeg")),
        ("anim.gif", GIF, ("anim.gif", "image/gif")),
        ("shot.webp", WEBP, ("shot.webp", "image/webp")),
        ("IMG_0001.HEIC", HEIC, ("IMG_0001.HEIC", "image/heic")),
        ("letter.txt", "Sehr geehrte Damen, 249,00 €".encode(), ("letter.txt", "text/plain")),
        ("windows.txt", "Grüße aus Köln".encode("cp1252"), ("windows.txt", "text/plain")),
        ("payments.csv", b"date,amount\n2026-03-02,249.00\n", ("payments.csv", "text/csv")),
        (
            "excel.csv",
            "date\tamount\n2026-03-02\t249,00 €\n".encode("utf-16"),
            ("excel.csv", "text/csv"),
        ),
        ("bom.txt", "\ufeffGrüße".encode(), ("bom.txt", "text/plain")),
        ("brief.docx", DOCX, ("brief.docx", f"{OOXML}.wordprocessingml.document")),
        ("book.xlsx", XLSX, ("book.xlsx", f"{OOXML}.spreadsheetml.sheet")),
        ("brief.odt", ODT, ("brief.odt", "application/vnd.oasis.opendocument.text")),
        ("mail.eml", EML, ("mail.eml", "message/rfc822")),
        ("mail.txt", EML, ("mail.txt", "text/plain")),
        ("outlook.msg", MSG, ("outlook.msg", "application/vnd.ms-outlook")),
        ("scan", PNG, ("scan.png", "image/png")),
        ("notes", b"called the branch", ("notes.txt", "text/plain")),
        # Text whose first letters are also a magic number (BMP, Flash, MP3).
        ("car.txt", b"BMW Financial charged me twice.", ("car.txt", "text/plain")),
        ("fws.txt", b"FWS team never called back.", ("fws.txt", "text/plain")),
        ("id3.txt", b"ID3 tags aside, the refund is late.", ("id3.txt", "text/plain")),
    ],
)
def test_the_kinds_a_case_keeps(name: str, content: bytes, kept_as: tuple[str, str]) -> None:
    assert inspect(name, content) == kept_as


@pytest.mark.parametrize(
    ("name", "content", "field", "words"),
    [
        ("statement.pdf", EXE, "content", "a Windows program"),
        ("setup.exe", EXE, "content", "a Windows program"),
        ("tool", ELF, "content", "a program (ELF)"),
        ("app", MACHO, "content", "a program"),
        ("run.txt", b"#!/bin/sh\nrm -rf ~\n", "content", "a script"),
        ("picture.bmp", b"BM6\x00\x00\x00\x00\x00\x00\x006\x00" + b"\x00" * 60, "content", "bmp"),
        ("files.zip", zipped({"statement.pdf": PDF}), "content", "an archive"),
        ("statement.pdf", zipped({"statement.pdf": PDF}), "content", "an archive"),
        ("backup.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 60, "content", "an archive"),
        ("backup.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 60, "content", "an archive"),
        (
            "brief.docx",
            zipped(
                {
                    **{"[Content_Types].xml": b"x", "word/document.xml": b"x"},
                    "word/vbaProject.bin": b"x",
                }
            ),
            "content",
            "macros",
        ),
        ("old.doc", OLE2, "content", "old binary Office document"),
        ("page.html", b"<!doctype html><title>x</title>", "content", "markup"),
        ("page.txt", b"Dear bank,\n<script>fetch('/x')</script>", "content", "markup"),
        ("page16.txt", "<html><script>x</script>".encode("utf-16"), "content", "markup"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "content", "markup"),
        ("data.xml", b'<?xml version="1.0"?><a/>', "content", "markup"),
        ("link.txt", b"click javascript:alert(1)", "content", "markup"),
        ("blob.bin", bytes(range(256)) * 4, "content", "binary data"),
        ("empty.txt", b"", "content", "empty"),
        ("receipt.pdf", PNG, "filename", "ends in .pdf but the content is a PNG image"),
        ("notes.exe", b"plain words", "filename", "ends in .exe but the content is plain text"),
        ("mail.eml", b"no headers here", "filename", "ends in .eml"),
        ("letter.docx", PDF, "filename", "name it .pdf"),
    ],
)
def test_what_is_refused_and_why(name: str, content: bytes, field: str, words: str) -> None:
    with pytest.raises(Refused) as refused:
        inspect(name, content)
    assert refused.value.field == field
    assert words in refused.value.description


def test_a_refusal_of_content_says_what_is_accepted() -> None:
    with pytest.raises(Refused) as refused:
        inspect("x.exe", EXE)
    assert "accepted are PDF, PNG, JPEG" in refused.value.description


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\jana\\Documents\\brief.pdf", "brief.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("line\nbreak\t.pdf", "linebreak.pdf"),
        ("  .hidden.txt ", "hidden.txt"),
        ('what?<is>"this".pdf', "what__is__this_.pdf"),
        ("CON.txt", "_CON.txt"),
        ("Straße März.pdf", "Straße März.pdf"),
    ],
)
def test_names_are_made_safe_to_show_and_to_save(sent: str, kept: str) -> None:
    assert safe_filename(sent) == kept


@pytest.mark.parametrize("sent", ["", "   ", "../", "\u202e\u200b", "." * 10])
def test_a_name_with_nothing_left_is_refused(sent: str) -> None:
    with pytest.raises(Refused) as refused:
        safe_filename(sent)
    assert refused.value.field == "filename" and "required" in refused.value.description


def test_a_name_longer_than_255_characters_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        safe_filename("a" * 252 + ".pdf")
    assert "at most 255 characters" in refused.value.description
    assert safe_filename("a" * 251 + ".pdf") == "a" * 251 + ".pdf"
