"""Years of history imported: `redress import cfpb --historic`, end to end.

    .venv/bin/python -m bench.bulk_history [--rows 100000] [--postgres URL]

Starts its own platform (Temporal dev server, services/cases on SQLite or the
PostgreSQL database given, intake and the worker as processes) on free ports
in a scratch directory, then runs the importer's own command on:

1. the largest CFPB file in ../shared/data by rows
   (cfpb_complaints_2023_variant_format.csv), as a records office would;
2. a file of `--rows` rows made from its closed rows (each again under a
   new Complaint ID): years of a firm's history are mostly closed
   complaints; then the same file again (every row already imported).

It prints, for each run, the rows per second end to end (read, checked,
classified, clocks and outcome worked out, stored with their audit trails)
split into closed rows (filed without a workflow) and rows still open (each
gets its workflow, at the rate Temporal sustains), and the ratio to the
goal of 1,000 closed rows per second. The counts are checked against the
case store: every row accounted for, nothing filed twice.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy

from redress.devstack.platform import LocalPlatform, Ports
from redress.importers.cfpb import CLOSED_RESPONSES, HEADER_ALIASES, normalise_header

DATA = Path(
    os.environ.get("REDRESS_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
LARGEST = DATA / "cfpb_complaints_2023_variant_format.csv"
GOAL = 1_000.0


def enlarged(source: Path, rows: int, target: Path) -> None:
    """`rows` rows made of the closed rows of `source`, over and over, each
    under a Complaint ID of its own (above any the CFPB has used)."""
    with source.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = list(reader)
    fields = [HEADER_ALIASES.get(normalise_header(h)) for h in header]
    id_at = fields.index("complaint_id")
    response_at = fields.index("company_response")
    closed = [row for row in body if row[response_at].lower() in CLOSED_RESPONSES]
    with target.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i in range(rows):
            row = list(closed[i % len(closed)])
            row[id_at] = str(90_000_000 + i)
            out.writerow(row)


def row_kinds(file: Path) -> tuple[int, int]:
    """(closed, open) rows of a file, by its company response."""
    with file.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        fields = [HEADER_ALIASES.get(normalise_header(h)) for h in next(reader)]
        at = fields.index("company_response")
        closed = total = 0
        for row in reader:
            total += 1
            closed += row[at].lower() in CLOSED_RESPONSES
    return closed, total - closed


def run_import(platform: LocalPlatform, file: Path) -> tuple[float, str]:
    env = {
        **os.environ,
        "REDRESS_INTAKE_ADDRESS": platform.address("intake"),
        "REDRESS_API_KEY": platform.credentials.intake_key,
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "redress.cli", "import", "cfpb", str(file), "--historic"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"import failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout.splitlines()[0] + " | " + done.stdout.splitlines()[1].strip()


def stored_cases(platform: LocalPlatform) -> tuple[int, int, int]:
    """Cases, distinct complaints (workflow ids) and audit entries in the store."""
    engine = sqlalchemy.create_engine(platform.database_url)
    with engine.connect() as db:
        cases, complaints = db.execute(
            sqlalchemy.text("SELECT count(*), count(DISTINCT workflow_id) FROM cases")
        ).one()
        entries = db.execute(sqlalchemy.text("SELECT count(*) FROM audit_events")).scalar_one()
    engine.dispose()
    return int(cases), int(complaints), int(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL for the case store (default SQLite)")
    parser.add_argument(
        "--skip-largest", action="store_true", help="only the file of --rows closed rows"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redress-bulk-") as scratch:
        root = Path(scratch)
        platform = LocalPlatform(
            root / "platform", Ports.free(), database_url=args.postgres, log_format="json"
        )
        try:
            platform.start_temporal(ui=False)
            platform.start_service("cases")
            platform.start_service("intake")
            platform.start_worker()
            big = root / f"cfpb_{args.rows}_closed_rows.csv"
            enlarged(LARGEST, args.rows, big)
            imported = args.rows
            if not args.skip_largest:
                # The file as it is, in a directory the importer may write its
                # resume point to.
                largest = root / LARGEST.name
                shutil.copyfile(LARGEST, largest)
                closed, still_open = row_kinds(largest)
                imported += closed + still_open
                print(
                    f"{LARGEST.name}: {closed + still_open:,} rows "
                    f"({closed:,} closed, {still_open:,} open)"
                )
                seconds, summary = run_import(platform, largest)
                rate = (closed + still_open) / seconds
                print(f"  imported in {seconds:.1f} s: {rate:,.0f} rows/s")
                print(f"  {summary}")
            print(f"{big.name}: {args.rows:,} closed rows made from its closed rows")
            seconds, summary = run_import(platform, big)
            rate = args.rows / seconds
            print(f"  imported in {seconds:.1f} s: {rate:,.0f} rows/s, {rate / GOAL:.2f}x the goal")
            print(f"  {summary}")
            seconds, summary = run_import(platform, big)
            again = args.rows / seconds
            print(f"  again (all already imported): {seconds:.1f} s, {again:,.0f} rows/s")
            print(f"  {summary}")
            cases, complaints, entries = stored_cases(platform)
            print(
                f"cases stored: {cases:,} for {complaints:,} complaints "
                f"({imported:,} rows imported), {entries:,} audit entries"
            )
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
