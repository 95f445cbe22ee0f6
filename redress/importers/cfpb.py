"""`redress import cfpb FILE`: replays CFPB consumer complaints through intake.

Reads every layout of the CFPB's public complaint data seen in the wild: the
portal's export ("Date received", "Submitted via", ...), the same names with
underscores, the snake_case and BigQuery layouts, and narrative-only extracts.
Dates come as ISO (2023-08-25), US (8/30/2013, 04/04/25) or day-first with
dashes (27-04-2023, as a spreadsheet re-saves them).

Each row becomes one SubmitComplaint call with an idempotency key derived from
the row (the CFPB's Complaint ID where there is one), so re-running an import,
or resuming one that was cut off, files nothing twice. Rows that cannot be
imported are reported with their line number and every reason.

What the files write for "nothing" (the word None, N/A, a ZIP code masked
whole as XXXXX) is read as an empty field. A field holding stray control
characters or mojibake from a broken encoding is cleaned (with ftfy) rather
than the complaint refused; the import report lists each field cleaned with
its original text, escaped so that every byte can be seen.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

import ftfy
import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from redress.cases.v1 import cases_pb2
from redress.common.v1 import common_pb2
from redress.importers.textfiles import UTF8, NotCsv, NotText, csv_rows, file_encoding
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels, spreadsheets
from redress.platform.errors import error_reasons
from redress.platform.requests import has_control_characters

# Normalised header -> field. Headers are lower-cased with every run of
# non-alphanumerics turned into "_" ("Consumer disputed?" -> "consumer_disputed").
HEADER_ALIASES = {
    "date_received": "date_received",
    "product": "product",
    "sub_product": "sub_product",
    "issue": "issue",
    "sub_issue": "sub_issue",
    "consumer_complaint_narrative": "narrative",
    "company": "company",
    "state": "state",
    "zip_code": "zip_code",
    "zipcode": "zip_code",
    "tags": "tags",
    "submitted_via": "submitted_via",
    "complaint_id": "complaint_id",
    "": "row_index",
    "unnamed_0": "row_index",
}
# The fields a row without a Complaint ID is told apart by: those read before
# closures were imported, so that its idempotency key stays what it was.
KEY_FIELDS = frozenset(HEADER_ALIASES.values())
HEADER_ALIASES |= {
    "company_response_to_consumer": "company_response",
    "date_sent_to_company": "date_sent",
    # Not in the CFPB's exports, which say how a complaint closed but not when;
    # other sources' close dates are used where a file has one.
    "date_closed": "date_closed",
    "closed_date": "date_closed",
    "date_resolved": "date_closed",
}

# The CFPB's "Company response to consumer" of a closed complaint and the
# outcome a handler would record for it (docs/lifecycle.md, "Historic
# complaints"). Relief given means the complaint was upheld: in full where
# money was paid, at least in part otherwise; closed with an explanation, or
# closed without relief, means it was not. "In progress" and "Untimely
# response" complaints are still open.
CLOSED_RESPONSES = {
    "closed with monetary relief": "upheld",
    "closed with relief": "upheld",
    "closed with non-monetary relief": "partly_upheld",
    "closed with explanation": "rejected",
    "closed without relief": "rejected",
    "closed": "rejected",
}
DECISIONS = {
    "upheld": cases_pb2.DECISION_UPHELD,
    "partly_upheld": cases_pb2.DECISION_PARTLY_UPHELD,
    "rejected": cases_pb2.DECISION_REJECTED,
}

CHANNELS = {
    "web": common_pb2.CHANNEL_WEB,
    "phone": common_pb2.CHANNEL_PHONE,
    "referral": common_pb2.CHANNEL_REFERRAL,
    "web referral": common_pb2.CHANNEL_REFERRAL,
    "postal mail": common_pb2.CHANNEL_POSTAL,
    "fax": common_pb2.CHANNEL_FAX,
    "email": common_pb2.CHANNEL_EMAIL,
}
# Narrative-only extracts say nothing of the channel; the CFPB portal is a web form.
DEFAULT_CHANNEL = common_pb2.CHANNEL_WEB
# What exports write in an empty field: the portal's "None" (Python's, from
# the tool that wrote the file), "N/A", spreadsheets' "nan" and "NULL".
NULL_MARKERS = {"none", "nan", "n/a", "null"}
NO_TAGS = {""} | NULL_MARKERS
# The CFPB masks ZIP codes in part ("300XX") or whole ("XXXXX"); a whole mask
# says nothing of where the consumer lives.
MASKED_ZIP = re.compile(r"^X{5}$", re.IGNORECASE)
# The consumer's own words keep their line breaks and tabs.
MULTILINE_FIELDS = {"narrative"}
PORTAL_CONTACT = "Contact through the CFPB complaint portal"

ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
DAY_FIRST = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


# A row longer than this is refused (reported, not sent).
MAX_ROW_CHARACTERS = 1 << 20


class FileFormatError(Exception):
    """The file as a whole cannot be imported; the message says why."""


def normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def parse_date(text: str) -> date:
    """A CFPB date in any of the layouts above; ValueError says what was expected."""
    text = text.strip()
    if m := ISO.match(text):
        y, mo, d = (int(x) for x in m.groups())
    elif m := US.match(text):
        mo, d, y = (int(x) for x in m.groups())
        if y < 100:
            y += 2000
    elif m := DAY_FIRST.match(text):
        d, mo, y = (int(x) for x in m.groups())
    else:
        raise ValueError(
            f"date received {text!r} is not YYYY-MM-DD, M/D/YYYY, MM/DD/YY or DD-MM-YYYY"
        )
    try:
        return date(y, mo, d)
    except ValueError:
        raise ValueError(f"date received {text!r} is not a calendar date") from None


@dataclass
class Row:
    line: int
    values: dict[str, str]


@dataclass
class Cleaning:
    """A field whose text was cleaned so that the complaint could be filed."""

    line: int
    key: str
    field: str
    original: str
    cleaned: str
    what: str

    def describe(self) -> str:
        # ascii(): the original's stray bytes are shown, not sent to the terminal.
        return f"{self.field}: {self.what}: {self.original!a} -> {self.cleaned!a}"


def _may_need_repair(text: str) -> bool:
    """Whether ftfy could change the text. Its repairs of a broken encoding
    all start from characters beyond ASCII; of plain ASCII it changes only
    HTML entities (&amp;) and terminal escapes (ESC [). Most fields of a CFPB
    file are plain ASCII, and asking ftfy costs more than the rest of a row."""
    return not text.isascii() or "&" in text or "\x1b" in text


def _repaired(text: str) -> str:
    return ftfy.fix_text(
        text,
        # Only repairs of a broken encoding: the customer's quotes, ligatures,
        # full-width letters and Unicode forms stay as written.
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
    )


def clean_text(text: str, multiline: bool = False) -> tuple[str, list[str]]:
    """`text` without control characters and with mojibake repaired, and what
    was done to it (nothing: the text is unchanged)."""
    done = []
    fixed = text if not _may_need_repair(text) else _repaired(text)
    if fixed != text:
        done.append("repaired a broken character encoding (mojibake)")
    allowed = {"\t", "\n", "\r"} if multiline else set()
    if has_control_characters(fixed, multiline):
        controls = sorted(
            {ch for ch in fixed if has_control_characters(ch, False) and ch not in allowed}
        )
        fixed = "".join(ch for ch in fixed if ch not in controls).strip()
        done.append("removed control characters " + ", ".join(f"U+{ord(c):04X}" for c in controls))
    return fixed, done


@dataclass
class Rejection:
    line: int
    key: str
    reasons: list[str]


def read_rows(path: Path, encoding: str | None = None) -> tuple[list[str], Iterator[Row]]:
    """The fields this file has, and its rows keyed by field, read in
    `encoding` or else the file's own (UTF-8, or a legacy code page:
    file_encoding)."""
    try:
        encoding = encoding or file_encoding(path)
    except NotText as err:
        raise FileFormatError(str(err)) from None
    handle = path.open(newline="", encoding=encoding)
    reader = csv.reader(handle)
    lines = csv_rows(path, reader)
    try:
        header = next(lines)
    except StopIteration:
        handle.close()
        raise FileFormatError(f"{path} is empty") from None
    except NotCsv as err:
        handle.close()
        raise FileFormatError(str(err)) from None
    columns = [HEADER_ALIASES.get(normalise_header(h)) for h in header]
    fields = [c for c in columns if c]
    missing = [f for f in ("product",) if f not in fields]
    if missing or not ({"narrative", "issue"} & set(fields)):
        handle.close()
        raise FileFormatError(
            f"{path.name} does not look like CFPB complaint data: it needs a Product column "
            "and an Issue or Consumer complaint narrative column; found "
            + ", ".join(repr(h) for h in header[:20])
        )

    def rows() -> Iterator[Row]:
        with handle:
            try:
                for values in lines:
                    if not any(v.strip() for v in values):
                        continue
                    row = {c: v.strip() for c, v in zip(columns, values, strict=False) if c}
                    yield Row(reader.line_num, row)
            except NotCsv as err:
                raise FileFormatError(f"{err}; the rows before it are imported") from None

    return fields, rows()


def cleaned_values(
    row: dict[str, str], line: int = 0, key: str = ""
) -> tuple[dict[str, str], list[Cleaning]]:
    """The row's values as a complaint holds them: null markers empty, text
    cleaned; and what was cleaned."""
    values: dict[str, str] = {}
    cleanings: list[Cleaning] = []
    for name, value in row.items():
        if value.lower() in NULL_MARKERS or (name == "zip_code" and MASKED_ZIP.match(value)):
            values[name] = ""
            continue
        cleaned, done = clean_text(value, name in MULTILINE_FIELDS)
        if done:
            cleanings.append(Cleaning(line, key, name, value, cleaned, "; ".join(done)))
        values[name] = cleaned
    return values, cleanings


def idempotency_key(row: dict[str, str], seen: Counter[str] | None = None) -> str:
    """`cfpb-<Complaint ID>`, or for files without one a digest of the row.

    Identical rows in a file without ids are told apart by their order of
    appearance (`seen` counts them), which is the same on every run.
    """
    complaint_id = row.get("complaint_id", "")
    if complaint_id.isdigit():
        return f"cfpb-{complaint_id}"
    content = "\x1f".join(f"{k}={row[k]}" for k in sorted(row) if k in KEY_FIELDS)
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    if seen is None:
        return f"cfpb-row-{digest}"
    seen[digest] += 1
    n = seen[digest]
    return f"cfpb-row-{digest}" + (f"-{n}" if n > 1 else "")


def noon(day: date) -> Timestamp:
    """A day the file gives, as an instant: noon UTC is that day everywhere
    from UTC-11 to UTC+11."""
    at = Timestamp()
    at.FromDatetime(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    return at


def historic_closure(row: dict[str, str], received: date) -> intake_pb2.HistoricClosure | None:
    """How the row's complaint was closed, if the file says it was. The close
    date is the file's own where it has one; the CFPB's exports have none, so
    it is the last day they record for the complaint: the day it was sent to
    the company (or received). A date that cannot be read, or is before the
    receipt, is passed over: the complaint is still filed closed."""
    status = row.get("company_response", "")
    decision = CLOSED_RESPONSES.get(status.lower())
    if decision is None:
        return None
    closed, source = received, "the day it was received (the file records no later date)"
    for name, what in (
        ("date_closed", "the file's close date"),
        ("date_sent", "the day it was sent to the company (the file records no response date)"),
    ):
        try:
            day = parse_date(row.get(name, ""))
        except ValueError:
            continue
        if day >= received:
            closed, source = day, what
            break
    return intake_pb2.HistoricClosure(
        source_status=status,
        decision=DECISIONS[decision],
        closed_at=noon(closed),
        closed_at_source=source,
    )


def build_request(
    raw: dict[str, str],
    received_on: date | None,
    seen: Counter[str] | None = None,
    cleanings: list[Cleaning] | None = None,
    *,
    historic: bool = False,
) -> tuple[str, intake_pb2.SubmitComplaintRequest | None, list[str]]:
    """The intake request for one row, or the reasons it cannot be imported.
    Fields cleaned to make the request are added to `cleanings`. A historic
    row the file records as closed carries its closure."""
    # The key comes from the row as written, so that it is the same whatever
    # cleaning the importer learns to do.
    key = idempotency_key(raw, seen)
    size = sum(len(v) for v in raw.values())
    if size > MAX_ROW_CHARACTERS:
        largest = max(raw, key=lambda name: len(raw[name]))
        return (
            key,
            None,
            [
                f"the row is {size:,} characters, far more than a complaint holds (at most "
                f"{MAX_ROW_CHARACTERS:,}); its largest field is {largest} "
                f"({len(raw[largest]):,} characters)"
            ],
        )
    row, cleaned = cleaned_values(raw, key=key)
    if cleanings is not None:
        cleanings.extend(cleaned)
    reasons = []
    day = received_on
    if "date_received" in row:
        if not row["date_received"]:
            reasons.append("date received is empty")
        else:
            try:
                day = parse_date(row["date_received"])
            except ValueError as err:
                reasons.append(str(err))
    if not row.get("product"):
        reasons.append("product is empty")
    via = row.get("submitted_via", "")
    channel = CHANNELS.get(via.lower()) if via else DEFAULT_CHANNEL
    if channel is None:
        reasons.append(
            f"submitted via {via!r} is not a known channel ({', '.join(sorted(CHANNELS))})"
        )
    narrative = row.get("narrative", "")
    if not narrative:
        if not row.get("issue"):
            reasons.append("neither a narrative nor an issue to file as the complaint")
        # The CFPB publishes a narrative only with the consumer's consent; the
        # complaint as filed is still its issue and sub-issue.
        narrative = " - ".join(x for x in (row.get("issue"), row.get("sub_issue")) if x)
        narrative += "\n\n(The consumer's own narrative was not published by the CFPB.)"
    closure = historic_closure(row, day) if historic and day else None
    if reasons or day is None:
        return key, None, reasons

    tags = [t.strip() for t in row.get("tags", "").split(",") if t.strip().lower() not in NO_TAGS]
    complaint_id = row.get("complaint_id", "")
    zip_code = row.get("zip_code", "")
    request = intake_pb2.SubmitComplaintRequest(
        idempotency_key=key,
        channel=channel or DEFAULT_CHANNEL,
        customer=common_pb2.Customer(
            full_name=f"CFPB consumer {complaint_id or key.removeprefix('cfpb-row-')[:12]}",
            postal_address=common_pb2.PostalAddress(
                lines=[PORTAL_CONTACT],
                region=row.get("state", ""),
                postal_code=zip_code,
                country="US",
            ),
            preferred_channel=common_pb2.CHANNEL_WEB,
            preferred_language="en",
            tags=tags,
        ),
        product=row.get("product", ""),
        sub_product=row.get("sub_product", ""),
        issue=row.get("issue", ""),
        sub_issue=row.get("sub_issue", ""),
        narrative=narrative,
        regime=common_pb2.REGIME_US_CFPB,
        received_at=noon(day),
        company=row.get("company", ""),
        external_ref=f"CFPB {complaint_id}" if complaint_id else "",
        historic=historic,
        historic_closure=closure,
    )
    return key, request, []


@dataclass
class Report:
    created: int = 0
    existed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # Fields cleaned in rows that were filed (or offered for filing).
    cleaned: list[Cleaning] = field(default_factory=list)
    # Of `created`: filed closed without a workflow (ImportClosedComplaints).
    filed_closed: int = 0
    rows_read: int = 0
    # Rows up to this line were accounted for by an earlier, interrupted run;
    # `rows_resumed` of the rows read are those, passed over this time.
    resumed_after: int = 0
    rows_resumed: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    # The codec the file was read with (redress/importers/textfiles.py).
    encoding: str = UTF8


# Closed complaints sent in one ImportClosedComplaints call, and the most
# bytes of them (under gRPC's 4 MB message).
BATCH_ROWS = 500
BATCH_BYTES = 3_000_000
# Batches in flight: one being stored while the next is read and checked.
BATCHES_IN_FLIGHT = 2
# How often progress is printed and the resume point saved, in seconds.
PROGRESS_SECONDS = 2.0


async def _with_retries(call: Any, attempts: int = 6) -> Any:
    """The call's answer, retried while the server is unreachable: each
    complaint's idempotency key makes a retry safe even if the first call
    reached the server and only its answer was lost."""
    delay = 0.5
    for attempt in range(attempts):
        try:
            return await call()
        except grpc.aio.AioRpcError as err:
            if err.code() in channels.UNANSWERED and attempt + 1 < attempts:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8)
                continue
            raise
    raise AssertionError("unreachable")


async def submit(
    stub: intake_pb2_grpc.IntakeServiceStub,
    metadata: tuple[tuple[str, str], ...],
    line: int,
    key: str,
    request: intake_pb2.SubmitComplaintRequest,
    report: Report,
) -> None:
    try:
        response = await _with_retries(
            lambda: stub.SubmitComplaint(request, metadata=metadata, timeout=30)
        )
    except grpc.aio.AioRpcError as err:
        reasons = [f"{err.code().name}: {reason}" for reason in error_reasons(err)]
        report.rejected.append(Rejection(line, key, reasons))
        return
    if response.created:
        report.created += 1
    else:
        report.existed += 1


async def submit_closed(
    stub: intake_pb2_grpc.IntakeServiceStub,
    metadata: tuple[tuple[str, str], ...],
    batch: list[tuple[int, str, intake_pb2.SubmitComplaintRequest]],
    report: Report,
) -> None:
    """Closed historic complaints, filed many at a time without a workflow each."""
    request = intake_pb2.ImportClosedComplaintsRequest(complaints=[r for _, _, r in batch])
    try:
        response = await _with_retries(
            lambda: stub.ImportClosedComplaints(request, metadata=metadata, timeout=120)
        )
    except grpc.aio.AioRpcError as err:
        reasons = [f"{err.code().name}: {reason}" for reason in error_reasons(err)]
        report.rejected += [Rejection(line, key, reasons) for line, key, _ in batch]
        return
    for (line, key, _), result in zip(batch, response.results, strict=True):
        if result.problems:
            report.rejected.append(Rejection(line, key, list(result.problems)))
        elif result.created:
            report.created += 1
            report.filed_closed += 1
        else:
            report.existed += 1


class Checkpoint:
    """Where an interrupted import resumes: every row up to `line` of this
    file (as it was: same size and modification time) is accounted for.
    Kept beside the file as `<file>.import-progress` while an import runs
    and after one is interrupted; removed when an import ends."""

    def __init__(self, path: Path, target: str = "") -> None:
        self.path = path.with_name(path.name + ".import-progress")
        stat = path.stat()
        # The same file, into the same platform by the same caller, the same way.
        self.identity = {
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "target": hashlib.sha256(target.encode()).hexdigest()[:16],
        }

    def resume_after(self) -> int:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 0
        if not isinstance(saved, dict) or saved.get("file") != self.identity:
            return 0
        line = saved.get("line")
        return line if isinstance(line, int) and line > 0 else 0

    def save(self, line: int) -> None:
        # Written beside it and renamed over it: an import killed while saving
        # leaves the earlier resume point whole, never half a file.
        written = self.path.with_name(self.path.name + ".new")
        try:
            written.write_text(json.dumps({"file": self.identity, "line": line}), encoding="utf-8")
            os.replace(written, self.path)
        except OSError:
            pass  # a read-only directory: the import still files each row once

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def count_rows(path: Path, encoding: str) -> int:
    """The rows a file holds (for the time left), read without checking them."""
    count = 0
    with path.open(newline="", encoding=encoding) as f:
        try:
            for _ in csv_rows(path, csv.reader(f)):
                count += 1
        except NotCsv:
            pass  # counted up to where it stops being CSV; read_rows says where
    return max(0, count - 1)


def progress_line(done: int, total: int, seconds: float, resumed: int = 0) -> str:
    """How far through the file (`done` of `total` rows), and the rate and
    time left from the rows handled in `seconds`: rows an earlier run
    accounted for (`resumed`) are passed over in no time and count for the
    first and not for the others."""
    rate = rows_per_second(done - resumed, seconds)
    line = f"  {done:,} of {total:,} rows ({done / max(total, 1):.0%}), {rate:,.0f} rows/s"
    if rate > 0 and total > done:
        left = int((total - done) / rate)
        line += f", about {left // 60} min {left % 60:02d} s left"
    return line


def rows_per_second(rows: int, seconds: float) -> float:
    return max(0, rows) / seconds if seconds > 0 else 0.0


async def import_file(
    path: Path,
    intake_address: str,
    key: str,
    *,
    limit: int | None = None,
    concurrency: int = 8,
    received_on: date | None = None,
    progress: TextIO | None = None,
    historic: bool = False,
    report: Report | None = None,
    checkpoint: Checkpoint | None = None,
    progress_every: float = PROGRESS_SECONDS,
    encoding: str | None = None,
) -> Report:
    """Files the file's rows: closed historic ones in batches without a
    workflow, the others one call each (`concurrency` in flight). `report`
    is filled as rows are accounted for, so that it is whole up to the
    point where an interrupted import stopped."""
    report = report if report is not None else Report()
    report.encoding = encoding or file_encoding(path)
    fields, rows = read_rows(path, report.encoding)
    if "date_received" not in fields and received_on is None:
        raise FileFormatError(
            f"{path.name} has no 'Date received' column; pass --received-on YYYY-MM-DD "
            "to say when these complaints were received"
        )
    if progress and report.encoding != UTF8 and encoding is None:
        print(f"  {path.name} is not UTF-8: reading it as {report.encoding}", file=progress)
    total = count_rows(path, report.encoding) if progress else 0
    if limit is not None:
        total = min(total, limit)
    resume = checkpoint.resume_after() if checkpoint else 0
    report.resumed_after = resume
    if progress and resume:
        print(f"  resuming after line {resume:,} (an earlier import got that far)", file=progress)
    seen: Counter[str] = Counter()
    metadata = (("authorization", f"Bearer {key}"),)
    slots = asyncio.Semaphore(max(1, concurrency))
    batch_slots = asyncio.Semaphore(BATCHES_IN_FLIGHT)
    pending: set[asyncio.Task[None]] = set()
    # Calls sent and not yet answered: the first line each carries (the resume
    # point is just before the earliest) and how many rows (a batch's, or one).
    in_flight: dict[asyncio.Task[None], tuple[int, int]] = {}
    batch: list[tuple[int, str, intake_pb2.SubmitComplaintRequest]] = []
    batch_bytes = 0
    last_line = 0
    started = time.monotonic()
    shown = started

    def accounted() -> int:
        return min(first for first, _ in in_flight.values()) - 1 if in_flight else last_line

    def track(
        task: asyncio.Task[None], first_line: int, rows: int, release: asyncio.Semaphore
    ) -> None:
        pending.add(task)
        in_flight[task] = (first_line, rows)
        task.add_done_callback(lambda _t: release.release())
        task.add_done_callback(pending.discard)
        task.add_done_callback(lambda t: in_flight.pop(t, None))

    async def send_batch() -> None:
        nonlocal batch, batch_bytes
        if not batch:
            return
        await batch_slots.acquire()
        task = asyncio.create_task(submit_closed(stub, metadata, batch, report))
        track(task, batch[0][0], len(batch), batch_slots)
        batch, batch_bytes = [], 0

    async with channels.aio_channel(intake_address) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)
        try:
            for count, row in enumerate(rows, start=1):
                if limit is not None and count > limit:
                    break
                report.rows_read += 1
                if row.line <= resume:
                    report.rows_resumed += 1
                    # Accounted for by the interrupted run; its key is still
                    # counted so that later rows' keys come out the same.
                    idempotency_key(row.values, seen)
                    last_line = row.line
                    continue
                cleanings: list[Cleaning] = []
                row_key, request, reasons = build_request(
                    row.values, received_on, seen, cleanings, historic=historic
                )
                for cleaning in cleanings:
                    cleaning.line = row.line
                report.cleaned += cleanings
                if request is None:
                    report.rejected.append(Rejection(row.line, row_key, reasons))
                elif request.HasField("historic_closure"):
                    size = request.ByteSize()
                    if batch and (len(batch) >= BATCH_ROWS or batch_bytes + size > BATCH_BYTES):
                        await send_batch()
                    batch.append((row.line, row_key, request))
                    batch_bytes += size
                else:
                    await slots.acquire()
                    task = asyncio.create_task(
                        submit(stub, metadata, row.line, row_key, request, report)
                    )
                    track(task, row.line, 1, slots)
                last_line = row.line
                now = time.monotonic()
                if now - shown >= progress_every:
                    shown = now
                    if checkpoint:
                        checkpoint.save(min([accounted(), *(ln - 1 for ln, _, _ in batch[:1])]))
                    if progress:
                        done = (
                            report.rows_read
                            - len(batch)
                            - sum(rows for _, rows in in_flight.values())
                        )
                        print(
                            progress_line(done, total, now - started, report.rows_resumed),
                            file=progress,
                            flush=True,
                        )
            await send_batch()
            if pending:
                await asyncio.gather(*pending)
        except FileFormatError:
            # The file stopped being CSV: what was read before is filed first.
            await send_batch()
            if pending:
                await asyncio.gather(*pending)
            raise
        except asyncio.CancelledError:
            report.interrupted = True
            if checkpoint:
                first_unsent = batch[0][0] - 1 if batch else last_line
                checkpoint.save(min(accounted(), first_unsent))
            for task in pending:
                task.cancel()
            raise
    report.seconds = time.monotonic() - started
    if checkpoint:
        checkpoint.clear()
    report.rejected.sort(key=lambda r: r.line)
    report.cleaned.sort(key=lambda c: c.line)
    return report


def write_rejections(report: Report, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["line", "idempotency_key", "reasons"])
        for r in report.rejected:
            # The key and the reasons quote the file's own text: opened in a
            # spreadsheet, none of it may run as a formula.
            out.writerow(spreadsheets.row([r.line, r.key, "; ".join(r.reasons)]))


def run_import(
    path: Path,
    intake_address: str,
    key: str,
    *,
    limit: int | None = None,
    concurrency: int = 8,
    received_on: date | None = None,
    rejections_file: Path | None = None,
    historic: bool = False,
    progress_every: float = PROGRESS_SECONDS,
    encoding: str | None = None,
) -> int:
    """Exit status: 0 all rows imported (now or before), 1 some rejected, 2 file
    unreadable, 130 interrupted (run it again to resume)."""
    report = Report()
    # The file stopped being readable part of the way: what was read is reported.
    unreadable = False

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        target = f"{intake_address} {key} historic={historic} received_on={received_on}"
        checkpoint = Checkpoint(path, target) if limit is None else None
        asyncio.run(
            import_file(
                path,
                intake_address,
                key,
                limit=limit,
                concurrency=concurrency,
                received_on=received_on,
                progress=sys.stderr,
                historic=historic,
                report=report,
                checkpoint=checkpoint,
                progress_every=progress_every,
                encoding=encoding,
            )
        )
    except (FileFormatError, NotText, OSError, UnicodeDecodeError) as err:
        print(f"cannot import {path}: {err}", file=sys.stderr)
        if not report.rows_read:
            return 2
        unreadable = True
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(
        f"{path.name}: {report.created} complaints filed, {report.existed} already imported, "
        f"{len(report.rejected)} rejected, {len(report.cleaned)} fields cleaned"
    )
    details = f"  {report.rows_read:,} rows read"
    if report.encoding != UTF8:
        details += f" as {report.encoding}" + ("" if encoding else " (the file is not UTF-8)")
    if report.resumed_after:
        details += (
            f" ({report.rows_resumed:,} of them, up to line {report.resumed_after:,}, "
            "accounted for by an earlier run)"
        )
    if report.filed_closed:
        details += (
            f"; {report.filed_closed:,} filed closed without a workflow, "
            f"{report.created - report.filed_closed:,} with their workflows"
        )
    if report.seconds:
        details += f"; {report.seconds:,.1f} s"
        # The rate of the rows handled now, not of those passed over.
        handled = report.rows_read - report.rows_resumed
        if handled > 0:
            details += f", {rows_per_second(handled, report.seconds):,.0f} rows/s"
    print(details)
    for c in report.cleaned[:50]:
        print(f"  line {c.line} ({c.key}): cleaned {c.describe()}")
    if len(report.cleaned) > 50:
        print(f"  ... and {len(report.cleaned) - 50} more fields cleaned")
    for r in report.rejected[:50]:
        print(f"  line {r.line} ({r.key}): " + "; ".join(r.reasons))
    if len(report.rejected) > 50:
        print(f"  ... and {len(report.rejected) - 50} more")
    if rejections_file and report.rejected:
        write_rejections(report, rejections_file)
        print(f"rejected rows and reasons written to {rejections_file}")
    if report.interrupted:
        print(
            "interrupted: run the same command again to go on where it stopped; "
            "nothing is filed twice"
        )
        return 130
    if unreadable:
        return 2
    return 1 if report.rejected else 0
