"""What a file on a case is, read from its bytes, and whether Redress keeps it.

A customer's letter, statement, photo or scan is accepted; anything that can
run or carry something that runs (programs, scripts, HTML, SVG, archives,
macro-enabled or old binary Office files) is refused, and so is a file whose
name says one kind while its content is another (a program renamed
`statement.pdf`). The kind comes from the content: magic numbers read by the
`filetype` library, the parts list of Office and OpenDocument zip containers,
the header block of an e-mail, and for text the absence of markup and of
binary bytes. The name only has to agree. docs/attachments.md lists the kinds.

Pure code: no gRPC, no database. `Refused` says which request field is wrong
and what to do about it; the servicer turns it into a field violation.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype  # type: ignore[import-untyped]

MAX_FILENAME = 255


@dataclass(frozen=True)
class Kind:
    media_type: str
    # What people call it, for refusals and the docs.
    label: str
    # The extensions a name may end in for this kind; the first is added to
    # a name that has none.
    extensions: tuple[str, ...]


KINDS: dict[str, Kind] = {
    k.media_type: k
    for k in (
        Kind("application/pdf", "a PDF document", (".pdf",)),
        Kind("image/png", "a PNG image", (".png",)),
        Kind("image/jpeg", "a JPEG image", (".jpg", ".jpeg", ".jpe", ".jfif")),
        Kind("image/gif", "a GIF image", (".gif",)),
        Kind("image/webp", "a WebP image", (".webp",)),
        Kind("image/heic", "a HEIC photo", (".heic", ".heif")),
        Kind("text/plain", "plain text", (".txt", ".text", ".log")),
        Kind("text/csv", "a CSV table", (".csv",)),
        Kind(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "a Word document (docx)",
            (".docx",),
        ),
        Kind(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "an Excel workbook (xlsx)",
            (".xlsx",),
        ),
        Kind("application/vnd.oasis.opendocument.text", "an OpenDocument text (odt)", (".odt",)),
        Kind(
            "application/vnd.oasis.opendocument.spreadsheet",
            "an OpenDocument spreadsheet (ods)",
            (".ods",),
        ),
        Kind("message/rfc822", "an e-mail message (eml)", (".eml",)),
        Kind("application/vnd.ms-outlook", "an Outlook message (msg)", (".msg",)),
    )
}

# What the refused kinds are called, for a refusal the sender understands.
REFUSED_NAMES = {
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program (ELF)",
    "application/wasm": "a WebAssembly program",
    "application/x-shockwave-flash": "a Flash file",
    "application/x-google-chrome-extension": "a browser extension",
    "application/x-deb": "a software package",
    "application/x-rpm": "a software package",
    "application/vnd.ms-cab-compressed": "a cabinet archive",
    "application/x-sqlite3": "a database file",
    "application/postscript": "a PostScript file",
    "application/rtf": "an RTF document",
    "application/msword": "an old Word document (doc)",
    "application/vnd.ms-excel": "an old Excel workbook (xls)",
    "application/vnd.ms-powerpoint": "a PowerPoint presentation",
}
ARCHIVES = {
    "application/zip",
    "application/x-tar",
    "application/x-rar-compressed",
    "application/gzip",
    "application/x-bzip2",
    "application/x-7z-compressed",
    "application/x-xz",
    "application/zstd",
    "application/x-lzip",
    "application/x-lz4",
    "application/x-lzop",
    "application/x-compress",
    "application/x-brotli",
    "application/x-unix-archive",
    "application/epub+zip",
}
# Programs filetype does not name: Mach-O, Java classes / fat binaries, scripts.
PROGRAM_MAGIC = (
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xca\xfe\xba\xbe",
    b"MZ",
    b"\x7fELF",
)
ARCHIVE_REFUSAL = (
    "the content is an archive (zip or similar), which can hide anything; send the files "
    "in it one by one; "
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Markup a browser would render or run, wherever it is in a text file's start.
MARKUP = re.compile(
    rb"<\s*(!doctype\s+html|html|head|body|script|svg|iframe|object|embed|meta|xml|\?xml"
    rb"|xsl|form|a\s)|javascript:|vbscript:",
    re.IGNORECASE,
)
EMAIL_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,76}:[ \t]", re.MULTILINE)
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


class Refused(ValueError):
    """The file is not kept; `field` is the request field to fix."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(description)
        self.field = field
        self.description = description


def safe_filename(raw: str) -> str:
    """The name without folders, control or direction characters, characters
    that are unsafe in a file name on common systems, or leading dots."""
    if len(raw) > 4 * MAX_FILENAME:
        raise Refused("filename", f"at most {MAX_FILENAME} characters")
    name = unicodedata.normalize("NFC", raw)
    name = re.split(r"[/\\]", name)[-1]
    # Cc: controls; Cf: invisible format characters such as U+202E, which
    # shows "evil\u202egpj.exe" as "evilexe.jpg".
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    name = UNSAFE_IN_NAME.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        raise Refused("filename", "required: the file's name, e.g. statement.pdf")
    if len(name) > MAX_FILENAME:
        raise Refused("filename", f"at most {MAX_FILENAME} characters (got {len(name)})")
    if WINDOWS_RESERVED.match(name):
        name = "_" + name
    return name


def shown_filename(raw: str) -> str:
    """The name as sent, safe to show, for recording a refused file."""
    try:
        return safe_filename(raw)
    except Refused:
        shown = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
        return (" ".join(shown.split())[:MAX_FILENAME]) or "(no name)"


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem and ext else ""


def with_extension(name: str, kind: Kind) -> str:
    """A name without an extension gets its kind's, so that it opens as what it is."""
    if extension_of(name):
        return name
    return (name[: MAX_FILENAME - len(kind.extensions[0])] + kind.extensions[0]).strip()


def _detected(content: bytes) -> str:
    head = content[:8192]
    if head.startswith(OLE2):
        return _ole2(content)
    guessed = filetype.guess_mime(head)
    if guessed in ("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"):
        return str(guessed)
    if guessed in ("image/heic",) or _is_heic(head):
        return "image/heic"
    if head.startswith(b"PK\x03\x04"):
        return _zip_container(content)
    if head.startswith(b"#!"):
        raise Refused("content", f"the content is a script; {_accepted_hint()}")
    if guessed or head.startswith(PROGRAM_MAGIC):
        # Some magic numbers are two or three letters ("BM" for a bitmap, "FWS"
        # for Flash): a letter that begins "BMW charged me twice" is text.
        # Programs, archives and images are never clean text.
        try:
            return _text(content)
        except Refused:
            if guessed in ARCHIVES:
                raise Refused("content", ARCHIVE_REFUSAL + _accepted_hint()) from None
            what = (
                REFUSED_NAMES.get(guessed, f"of a kind not accepted ({guessed})")
                if guessed
                else "a program"
            )
            raise Refused("content", f"the content is {what}; {_accepted_hint()}") from None
    return _text(content)


def _is_heic(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif")


def _ole2(content: bytes) -> str:
    """Outlook .msg files are OLE2 compound files with MAPI property streams;
    other OLE2 files (doc, xls, ppt) can carry macros and are refused."""
    if "__substg1.0_".encode("utf-16-le") in content and (
        "__properties_version1.0".encode("utf-16-le") in content
    ):
        return "application/vnd.ms-outlook"
    raise Refused(
        "content",
        "the content is an old binary Office document (doc, xls or ppt), which can carry "
        "macros; send it as PDF, docx or xlsx",
    )


def _zip_container(content: bytes) -> str:
    """docx, xlsx, odt and ods are zip files; other zips are archives, refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise Refused(
            "content", f"the content is a damaged or partial archive; {_accepted_hint()}"
        ) from None
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or "/activex/" in n for n in lowered):
        raise Refused(
            "content",
            "the document carries macros or ActiveX controls; save it without them "
            "(docx, xlsx) or as PDF",
        )
    if "[content_types].xml" in lowered:
        if "word/document.xml" in lowered:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "xl/workbook.xml" in lowered:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "mimetype" in lowered and "content.xml" in lowered:
        try:
            declared = archive.read("mimetype")[:100].strip()
        except (KeyError, zipfile.BadZipFile, ValueError, OSError, EOFError):
            declared = b""
        if declared == b"application/vnd.oasis.opendocument.text":
            return "application/vnd.oasis.opendocument.text"
        if declared == b"application/vnd.oasis.opendocument.spreadsheet":
            return "application/vnd.oasis.opendocument.spreadsheet"
    raise Refused("content", ARCHIVE_REFUSAL + _accepted_hint())


def _text(content: bytes) -> str:
    """Plain text, a CSV table or an e-mail; never markup or binary data. UTF-8,
    UTF-16 with its byte-order mark (Excel's "Unicode text") or Windows-1252."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    text = None
    for encoding in encodings:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or any(
        unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text
    ):
        raise Refused("content", f"the content is binary data of unknown kind; {_accepted_hint()}")
    probe = text[:65536].encode()
    if _is_email(probe):
        return "message/rfc822"
    if MARKUP.search(probe):
        raise Refused(
            "content",
            "the content is HTML, SVG or other markup, which a browser may run; "
            "send it as PDF or plain text",
        )
    return "text/plain"


def _is_email(body: bytes) -> bool:
    """Headers first (From and Date or Subject or Message-ID), then a blank line."""
    block = re.split(rb"\r?\n\r?\n", body[:65536], maxsplit=1)[0]
    lines = [line for line in block.splitlines() if line and line[:1] not in (b" ", b"\t")]
    if len(lines) < 2 or not all(EMAIL_HEADER.match(line) for line in lines):
        return False
    names = {line.split(b":", 1)[0].lower() for line in lines}
    return b"from" in names and bool(names & {b"date", b"subject", b"message-id"})


def _accepted_hint() -> str:
    return (
        "accepted are PDF, PNG, JPEG, GIF, WebP, HEIC, plain text, CSV, docx, xlsx, odt, "
        "ods, eml and msg"
    )


def inspect(raw_filename: str, content: bytes) -> tuple[str, str]:
    """(the safe name, the media type) of a file Redress keeps; Refused otherwise."""
    filename = safe_filename(raw_filename)
    if not content:
        raise Refused("content", "the file is empty")
    detected = _detected(content)
    ext = extension_of(filename)
    if detected == "text/plain" and ext == ".csv":
        detected = "text/csv"
    elif detected == "message/rfc822" and ext in KINDS["text/plain"].extensions:
        # An e-mail saved as text is text to whoever named it so.
        detected = "text/plain"
    kind = KINDS[detected]
    if ext and ext not in kind.extensions:
        raise Refused(
            "filename",
            f"the name ends in {ext} but the content is {kind.label}; name it "
            f"{' or '.join(kind.extensions)} (what a file is, is read from its content)",
        )
    return with_extension(filename, kind), detected
