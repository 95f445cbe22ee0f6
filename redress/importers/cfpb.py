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
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from redress.common.v1 import common_pb2
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels, spreadsheets
from redress.platform.errors import field_violations

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
NO_TAGS = {"", "none", "nan", "n/a"}
PORTAL_CONTACT = "Contact through the CFPB complaint portal"

ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
DAY_FIRST = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


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
class Rejection:
    line: int
    key: str
    reasons: list[str]


def read_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The fields this file has, and its rows keyed by field."""
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise FileFormatError(f"{path} is empty") from None
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
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                row = {c: v.strip() for c, v in zip(columns, values, strict=False) if c}
                yield Row(reader.line_num, row)

    return fields, rows()


def idempotency_key(row: dict[str, str], seen: Counter[str] | None = None) -> str:
    """`cfpb-<Complaint ID>`, or for files without one a digest of the row.

    Identical rows in a file without ids are told apart by their order of
    appearance (`seen` counts them), which is the same on every run.
    """
    complaint_id = row.get("complaint_id", "")
    if complaint_id.isdigit():
        return f"cfpb-{complaint_id}"
    content = "\x1f".join(f"{k}={row[k]}" for k in sorted(row))
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    if seen is None:
        return f"cfpb-row-{digest}"
    seen[digest] += 1
    n = seen[digest]
    return f"cfpb-row-{digest}" + (f"-{n}" if n > 1 else "")


def build_request(
    row: dict[str, str], received_on: date | None, seen: Counter[str] | None = None
) -> tuple[str, intake_pb2.SubmitComplaintRequest | None, list[str]]:
    """The intake request for one row, or the reasons it cannot be imported."""
    key = idempotency_key(row, seen)
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
    if reasons or day is None:
        return key, None, reasons

    tags = [t.strip() for t in row.get("tags", "").split(",") if t.strip().lower() not in NO_TAGS]
    complaint_id = row.get("complaint_id", "")
    zip_code = row.get("zip_code", "")
    received = Timestamp()
    received.FromDatetime(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    request = intake_pb2.SubmitComplaintRequest(
        idempotency_key=key,
        channel=channel or DEFAULT_CHANNEL,
        customer=common_pb2.Customer(
            full_name=f"CFPB consumer {complaint_id or key.removeprefix('cfpb-row-')[:12]}",
            postal_address=common_pb2.PostalAddress(
                lines=[PORTAL_CONTACT],
                region=row.get("state", "") if row.get("state", "").lower() != "none" else "",
                postal_code=zip_code if zip_code.lower() not in NO_TAGS else "",
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
        received_at=received,
        company=row.get("company", ""),
        external_ref=f"CFPB {complaint_id}" if complaint_id else "",
    )
    return key, request, []


@dataclass
class Report:
    created: int = 0
    existed: int = 0
    rejected: list[Rejection] = field(default_factory=list)


RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


async def submit(
    stub: intake_pb2_grpc.IntakeServiceStub,
    metadata: tuple[tuple[str, str], ...],
    line: int,
    key: str,
    request: intake_pb2.SubmitComplaintRequest,
    report: Report,
    attempts: int = 6,
) -> None:
    delay = 0.5
    for attempt in range(attempts):
        try:
            response = await stub.SubmitComplaint(request, metadata=metadata, timeout=30)
        except grpc.aio.AioRpcError as err:
            # The idempotency key makes a retry safe even if the first call
            # reached the server and only its answer was lost.
            if err.code() in RETRYABLE and attempt + 1 < attempts:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 8)
                continue
            reasons = [f"{err.code().name}: {err.details()}"]
            reasons += [f"{v.field}: {v.description}" for v in field_violations(err)]
            report.rejected.append(Rejection(line, key, reasons))
            return
        if response.created:
            report.created += 1
        else:
            report.existed += 1
        return


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
) -> Report:
    fields, rows = read_rows(path)
    if "date_received" not in fields and received_on is None:
        raise FileFormatError(
            f"{path.name} has no 'Date received' column; pass --received-on YYYY-MM-DD "
            "to say when these complaints were received"
        )
    report = Report()
    seen: Counter[str] = Counter()
    metadata = (("authorization", f"Bearer {key}"),)
    slots = asyncio.Semaphore(max(1, concurrency))
    pending: set[asyncio.Task[None]] = set()
    async with channels.aio_channel(intake_address) as channel:
        stub = intake_pb2_grpc.IntakeServiceStub(channel)
        for count, row in enumerate(rows, start=1):
            if limit is not None and count > limit:
                break
            row_key, request, reasons = build_request(row.values, received_on, seen)
            if request is None:
                report.rejected.append(Rejection(row.line, row_key, reasons))
                continue
            request.historic = historic
            await slots.acquire()
            task = asyncio.create_task(submit(stub, metadata, row.line, row_key, request, report))
            task.add_done_callback(lambda _t: slots.release())
            pending.add(task)
            task.add_done_callback(pending.discard)
            if progress and count % 500 == 0:
                print(f"  {count} rows read", file=progress, flush=True)
        if pending:
            await asyncio.gather(*pending)
    report.rejected.sort(key=lambda r: r.line)
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
) -> int:
    """Exit status: 0 all rows imported (now or before), 1 some rejected, 2 file unreadable."""
    try:
        report = asyncio.run(
            import_file(
                path,
                intake_address,
                key,
                limit=limit,
                concurrency=concurrency,
                received_on=received_on,
                progress=sys.stderr,
                historic=historic,
            )
        )
    except (FileFormatError, OSError, UnicodeDecodeError) as err:
        print(f"cannot import {path}: {err}", file=sys.stderr)
        return 2
    print(
        f"{path.name}: {report.created} complaints filed, {report.existed} already imported, "
        f"{len(report.rejected)} rejected"
    )
    for r in report.rejected[:50]:
        print(f"  line {r.line} ({r.key}): " + "; ".join(r.reasons))
    if len(report.rejected) > 50:
        print(f"  ... and {len(report.rejected) - 50} more")
    if rejections_file and report.rejected:
        write_rejections(report, rejections_file)
        print(f"rejected rows and reasons written to {rejections_file}")
    return 1 if report.rejected else 0
