"""The `redress` command as a handler and a supervisor use it, against the
platform as `make run` starts it (its own keys file and staff directory):
what the terminal prints is read as a person reads it."""

from __future__ import annotations

import json
import mailbox
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import grpc
import pytest

from redress.devstack.platform import LocalPlatform, Ports
from redress.knowledge.v1 import knowledge_pb2, knowledge_pb2_grpc
from tests.conftest import LOCAL_STAFF_FILE, bearer, eventually

ROOT = Path(__file__).resolve().parents[2]
# People a user of `make run` adds to var/api-keys.txt to try each role (README).
PEOPLE = {
    "dana": ("agent", "dana-agent-key-cli-0123456789"),
    "lena": ("team_lead", "lena-lead-key-cli-0123456789"),
    "mark": ("manager", "mark-manager-key-cli-0123456789"),
}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    data = tmp_path_factory.mktemp("cli")
    # The staff directory `make run` starts with (addresses @redress.localhost).
    (data / "staff.yaml").write_text(LOCAL_STAFF_FILE.read_text(encoding="utf-8"))
    first = LocalPlatform(data, Ports.free(), log_format="json")
    keys = first.data_dir / "api-keys.txt"
    with keys.open("a") as f:
        f.writelines(f"{key} {name} {role}\n" for name, (role, key) in PEOPLE.items())
    # A second start over the same data, as `make run` after Ctrl-C.
    local = LocalPlatform(data, first.ports, log_format="json")
    try:
        local.start_temporal(persist=True, ui=False)
        local.start_meilisearch()
        local.start_mail()
        for name in ("cases", "intake", "followup", "knowledge", "reporting"):
            local.start_service(name)
        local.start_worker()
        yield local
    finally:
        local.stop()


def redress(local: LocalPlatform, *args: str, key: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **local.env(), "REDRESS_API_KEY": key or local.credentials.admin_key}
    return subprocess.run(
        [sys.executable, "-m", "redress.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
    )


def ok(local: LocalPlatform, *args: str, key: str = "") -> str:
    done = redress(local, *args, key=key)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def submit(local: LocalPlatform, narrative: str, regime: str = "uk_fca") -> str:
    out = ok(
        local,
        "submit",
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        "--channel",
        "web",
        "--regime",
        regime,
        "--narrative",
        narrative,
    )
    return out.split()[1]


def test_keys_a_person_added_outlive_a_restart_and_each_role_works(local: LocalPlatform) -> None:
    keys = (local.data_dir / "api-keys.txt").read_text()
    for name, (role, key) in PEOPLE.items():
        assert f"{key} {name} {role}" in keys
    assert keys.count(local.credentials.admin_key) == 1
    case_id = submit(local, "Charged twice for one card payment.")
    # The agent reads the case, the team lead assigns it.
    assert case_id in ok(local, "case", "show", case_id, key=PEOPLE["dana"][1])
    ok(local, "case", "assign", case_id, "--to", "dana", "--team", "complaints",
       key=PEOPLE["lena"][1])  # fmt: skip


def test_a_device_complaint_is_filed_under_its_regime_pack(local: LocalPlatform) -> None:
    case_id = submit(local, "The infusion pump stopped mid-dose.", regime="fda_mdr")
    shown = ok(local, "case", "show", case_id)
    assert re.search(r"^ *regime: fda_mdr$", shown, re.M), shown
    # Found by its workflow's id too, as the Temporal UI shows it: the same
    # case (its stage may have moved on in between, acknowledged by now).
    workflow_id = json.loads(ok(local, "case", "show", case_id, "--json"))["workflow_id"]
    by_workflow = ok(local, "case", "show", workflow_id)
    assert re.search(rf"^ *case: {case_id}$", by_workflow, re.M), by_workflow
    assert re.search(r"^ *regime: fda_mdr$", by_workflow, re.M), by_workflow


def test_staff_alerts_reach_the_local_mailbox(local: LocalPlatform) -> None:
    case_id = submit(local, "My standing order was paid twice.")
    ok(local, "case", "assign", case_id, "--to", "dana", "--reason", "cards", key=PEOPLE["mark"][1])

    def alert_to_dana() -> bool:
        box = mailbox.Maildir(local.maildir, create=False)
        for key in box.keys():
            message = message_from_bytes(box.get_bytes(key))
            if "dana@redress.localhost" in str(message["To"]) and case_id in str(
                message["Subject"]
            ) + str(message.get_payload()):
                return True
        return False

    eventually(alert_to_dana, timeout=60, interval=1)
    followup_log = (local.supervisor.log_dir / "followup.log").read_text()
    assert "alert recipient unknown" not in followup_log


def test_a_handler_works_a_case_from_the_terminal(local: LocalPlatform) -> None:
    case_id = submit(local, "The branch refused my complaint and charged a fee.")
    ok(local, "case", "note", "add", case_id, "Called the customer; statement requested.")
    added = ok(
        local, "case", "subtask", "add", case_id, "--title", "Get the statement",
        "--assignee", "ravi", "--due", "2030-01-15T12:00",
    )  # fmt: skip
    subtask_id = added.split()[0]
    assert "Get the statement" in added and "2030-01-15" in added
    assert " completed" in ok(local, "case", "subtask", "complete", case_id, subtask_id)
    second = ok(local, "case", "subtask", "add", case_id, "--title", "Ask the branch").split()[0]
    assert " cancelled" in ok(
        local, "case", "subtask", "cancel", case_id, second, "--reason", "not needed"
    )
    paused = ok(
        local, "case", "clock", "pause", case_id, "resolution", "--reason", "awaiting_customer"
    )
    assert "paused (awaiting_customer)" in paused
    assert "running" in ok(local, "case", "clock", "resume", case_id, "resolution")

    refused = redress(
        local, "case", "outcome", case_id, "rejected", "--cause", "nonsense", "--redress", "0"
    )
    assert refused.returncode == 2
    # Every cause of the taxonomy, whole, one a line.
    for cause in ("fees.unexpected", "collections.conduct", "systems.outage"):
        assert f"\n  {cause}" in refused.stderr or refused.stderr.endswith(f"  {cause}\n")
    assert "…" not in refused.stderr

    recorded = ok(
        local, "case", "outcome", case_id, "rejected", "--cause", "fees.unexpected",
        "--redress", "0", "--goodwill", "25.50", "--summary", "Fee explained; goodwill paid.",
    )  # fmt: skip
    assert "rejected, root cause fees.unexpected; goodwill £25.50" in recorded
    assert "DECISION_" not in recorded

    shown = ok(local, "case", "show", case_id)
    assert "Called the customer; statement requested." in shown
    assert "rejected, root cause fees.unexpected; goodwill £25.50" in shown
    assert "Fee explained; goodwill paid." in shown
    # Business time in the calendar's working days, calendar time apart.
    assert "business time left" in shown and "working day" in shown
    assert not re.search(r"\d+ days?, \d+:\d\d:\d\d", shown), shown


def test_a_handler_adds_lists_and_saves_a_case_file_from_the_terminal(
    local: LocalPlatform, tmp_path: Path
) -> None:
    case_id = submit(local, "My statement shows the fee twice; I attach it.")
    statement = tmp_path / "statement.csv"
    statement.write_text("date,amount\n2026-03-02,35.00\n2026-03-02,35.00\n")
    added = ok(local, "case", "file", "add", case_id, str(statement), "--key", "cli-1")
    assert "statement.csv (text/csv, 46 bytes) added to " + case_id in added
    again = ok(local, "case", "file", "add", case_id, str(statement), "--key", "cli-1")
    assert "already on " + case_id in again
    attachment_id = added.split()[0]
    listed = ok(local, "case", "files", case_id)
    assert listed.startswith("files (1):") and attachment_id in listed and "(api, " in listed
    saved = tmp_path / "saved.csv"
    ok(local, "case", "file", "get", case_id, attachment_id, "-o", str(saved))
    assert saved.read_bytes() == statement.read_bytes()
    program = tmp_path / "statement.pdf"
    program.write_bytes(b"MZ" + b"\x00" * 62 + b"PE\x00\x00")
    refused = redress(local, "case", "file", "add", case_id, str(program))
    assert refused.returncode != 0 and "Windows program" in refused.stderr


def test_a_list_cut_short_by_its_reader_is_no_error(local: LocalPlatform) -> None:
    submit(local, "A card payment was taken twice.")
    env = {**os.environ, **local.env(), "REDRESS_API_KEY": local.credentials.admin_key}
    reader, writer = os.pipe()
    os.close(reader)  # as `head` does once it has its lines
    listing = subprocess.run(
        [sys.executable, "-m", "redress.cli", "case", "list", "--limit", "50"],
        env=env,
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
        timeout=90,
        cwd=ROOT,
    )
    os.close(writer)
    assert "Traceback" not in listing.stderr and "BrokenPipe" not in listing.stderr
    assert listing.returncode == 0


def test_a_supervisor_reads_reports_and_templates(local: LocalPlatform) -> None:
    submit(local, "Interest was charged on a closed account.")
    dashboard = ok(local, "report", "dashboard")
    assert "received" in dashboard and "open now" in dashboard
    fca = ok(local, "report", "return", "uk_fca")
    assert "uk_fca return for" in fca
    listed = ok(local, "template", "list")
    name = listed.split()[0]
    shown = ok(local, "template", "show", name)
    assert shown.startswith(f"# {name} version") and "Subject: " in shown


def test_search_highlights_read_as_emphasis_in_the_terminal(local: LocalPlatform) -> None:
    word = f"Zorbcard{uuid.uuid4().hex[:6]}"
    admin = bearer(local.credentials.admin_key)
    with grpc.insecure_channel(local.address("knowledge")) as channel:
        stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
        article = stub.CreateArticle(
            knowledge_pb2.CreateArticleRequest(
                article=knowledge_pb2.Article(
                    title=f"Blocking a {word}",
                    body=f"Call us if your {word} is lost & <b>never</b> share the PIN.",
                    summary=f"What to do when a {word} is lost.",
                    language="en",
                    audience=knowledge_pb2.AUDIENCE_INTERNAL,
                    category="cards",
                )
            ),
            metadata=admin,
            timeout=30,
        ).article
        stub.PublishArticle(
            knowledge_pb2.PublishArticleRequest(article_id=article.article_id),
            metadata=admin,
            timeout=30,
        )

    def found() -> str:
        out = ok(local, "kb", "search", word)
        return out if article.article_id in out else ""

    deadline = time.monotonic() + 30
    while not (out := found()):
        assert time.monotonic() < deadline, "the article was not indexed"
        time.sleep(1)
    assert f"*{word}*" in out
    assert "<em>" not in out and "</em>" not in out


def test_the_staff_directory_is_kept_from_the_terminal(local: LocalPlatform) -> None:
    listed = ok(local, "staff", "list")
    assert "dana (Dana Okafor) <dana@redress.localhost>" in listed
    assert "complaints: dana, ravi" in listed
    saved = ok(
        local, "staff", "person", "hugo", "--name", "Hugo Weber", "--languages", "de,en",
        "--skills", "cards", "--capacity", "12",
    )  # fmt: skip
    assert saved.startswith("saved: hugo (Hugo Weber)") and "capacity 12" in saved
    assert ok(local, "staff", "person", "hugo", "--name", "Hugo Weber", "--languages", "de,en",
              "--skills", "cards", "--capacity", "12").startswith("unchanged")  # fmt: skip
    assert "saved: team german" in ok(
        local, "staff", "team", "german", "--members", "hugo,dana", "--lead", "hugo"
    )
    refused = redress(local, "staff", "team", "broken", "--members", "hgo", "--lead", "dana")
    assert refused.returncode != 0
    assert "team.members[0]" in refused.stderr and "hugo" in refused.stderr
    assert "team.lead" in refused.stderr
    absence = ok(local, "staff", "absence", "hugo", "--reason", "leave").split(":")[0]
    assert absence in ok(local, "staff", "list")
    assert "ended" in ok(local, "staff", "back", absence)
    changes = ok(local, "staff", "changes")
    assert "person.put person:hugo" in changes and "absence.ended" in changes
    assert changes.rstrip().endswith("chain intact")
