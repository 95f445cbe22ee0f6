"""Files on cases through the real cases service: uploaded by staff and by the
channels that carry what customers send, checked by content, stored once,
listed, downloaded, exported with the customer's data and erased with it.

A cases service process of its own (python -m services.cases, with its API
keys file and a small per-case cap) over SQLite and over PostgreSQL; the cases
are stored as intake's workflow stores them (CaseStore.create_case).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
import sqlalchemy

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.db.migrate import upgrade
from redress.devstack.platform import start_on_own_ports
from redress.devstack.processes import Supervisor
from redress.platform.channels import MESSAGE_SIZE_OPTIONS
from redress.platform.errors import field_violations
from services.cases import erasure
from services.cases.store import Actor, CaseStore, CustomerDetails, NewCase
from tests.conftest import bearer, fresh_postgres_database

PER_CASE = 4
KEYS = {
    "admin": ("administrator", "attach-admin-key-0123456789"),
    "ana": ("agent", "attach-agent-key-0123456789"),
    "aud": ("auditor", "attach-auditor-key-0123456789"),
    "mailbox": ("intake_client", "attach-mailbox-key-0123456789"),
    "chatbot": ("channel_adapter", "attach-chat-key-0123456789"),
    "figures": ("reporting_reader", "attach-reports-key-0123456789"),
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4f60000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# The start of a real Windows program: the DOS stub and the PE header.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 43
    + b"\x80\x00\x00\x00"
    + b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 7
    + b"PE\x00\x00"
    + b"\x00" * 200
)


def who(name: str) -> tuple[tuple[str, str], ...]:
    return bearer(KEYS[name][1])


class CasesServer:
    def __init__(self, url: str, stub: cases_pb2_grpc.CasesServiceStub) -> None:
        self.url = url
        self.stub = stub
        self.store = CaseStore(url)
        self.n = 0

    def new_case(self, name: str = "Ada Quill", email: str = "") -> tuple[str, str]:
        """A case as intake's workflow stores it: its id and its customer's."""
        self.n += 1
        key = uuid.uuid4().hex[:12]
        case, customer, _ = self.store.create_case(
            NewCase(
                workflow_id=f"complaint:mailbox:{key}",
                idempotency_key=key,
                submitted_by="mailbox",
                customer=CustomerDetails(name, email=email or f"{key}@mail.test"),
                channel="email",
                priority=2,
                stage="resolved",
                regime="uk_fca",
                narrative="I was charged twice; the statement is attached.",
                received_at=datetime(2026, 11, 2, tzinfo=UTC),
            ),
            Actor("service", "complaint-workflow"),
        )
        return case.case_id, customer.id

    def upload(
        self,
        case_id: str,
        filename: str,
        content: bytes,
        caller: str = "ana",
        source: str = "",
        key: str = "",
    ) -> cases_pb2.UploadAttachmentResponse:
        return self.stub.UploadAttachment(
            cases_pb2.UploadAttachmentRequest(
                case_id=case_id,
                filename=filename,
                content=content,
                source=source,
                idempotency_key=key,
            ),
            metadata=who(caller),
            timeout=30,
        )

    def listed(self, case_id: str, caller: str = "ana") -> list[cases_pb2.Attachment]:
        return list(
            self.stub.ListAttachments(
                cases_pb2.ListAttachmentsRequest(case_id=case_id), metadata=who(caller), timeout=30
            ).attachments
        )

    def download(
        self, case_id: str, attachment_id: str, caller: str = "ana"
    ) -> cases_pb2.DownloadAttachmentResponse:
        return self.stub.DownloadAttachment(
            cases_pb2.DownloadAttachmentRequest(case_id=case_id, attachment_id=attachment_id),
            metadata=who(caller),
            timeout=30,
        )

    def stored_contents(self) -> int:
        engine = sqlalchemy.create_engine(self.url)
        with engine.connect() as connection:
            count = connection.execute(
                sqlalchemy.text("select count(*) from attachment_contents")
            ).scalar_one()
        engine.dispose()
        return int(count)

    def trail(self, case_id: str) -> list[cases_pb2.AuditEvent]:
        return list(
            self.stub.ListAuditEvents(
                cases_pb2.ListAuditEventsRequest(case_id=case_id), metadata=who("admin"), timeout=30
            ).events
        )

    def verify(self, case_id: str) -> cases_pb2.VerifyAuditTrailResponse:
        return self.stub.VerifyAuditTrail(
            cases_pb2.VerifyAuditTrailRequest(case_id=case_id), metadata=who("aud"), timeout=30
        )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CasesServer]:
    work = tmp_path_factory.mktemp("attachments")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{work / 'cases.db'}"
        else:
            url = stack.enter_context(fresh_postgres_database())
        upgrade(url)
        keys = work / "api-keys.txt"
        keys.write_text("".join(f"{key} {name} {role}\n" for name, (role, key) in KEYS.items()))
        supervisor = Supervisor(work / "logs")
        process, addresses = start_on_own_ports(
            supervisor,
            "cases-attachments",
            "cases",
            {
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
                "REDRESS_DATABASE_URL": url,
                "REDRESS_API_KEYS_FILE": str(keys),
                "REDRESS_MIGRATE_ON_START": "false",
                "REDRESS_ATTACHMENTS_PER_CASE": str(PER_CASE),
            },
        )
        try:
            channel = grpc.insecure_channel(
                addresses["REDRESS_CASES_LISTEN"], options=MESSAGE_SIZE_OPTIONS
            )
            cases = CasesServer(url, cases_pb2_grpc.CasesServiceStub(channel))
            yield cases
            cases.store.close()
            channel.close()
        finally:
            supervisor.stop(process)


def refusal(call: Any) -> tuple[grpc.StatusCode, str, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as err:
        call()
    found = {v.field: v.description for v in field_violations(err.value)}
    return err.value.code(), err.value.details() or "", found


def test_a_file_is_stored_once_listed_and_downloaded_as_sent(server: CasesServer) -> None:
    first, _ = server.new_case()
    second, _ = server.new_case()
    before = server.stored_contents()
    pdf = PDF + f"% {uuid.uuid4()}\n".encode()
    added = server.upload(first, "statement.pdf", pdf, source="console")
    assert added.created
    attachment = added.attachment
    assert attachment.attachment_id.startswith("ATT-")
    assert (attachment.case_id, attachment.filename, attachment.media_type) == (
        first,
        "statement.pdf",
        "application/pdf",
    )
    assert attachment.size_bytes == len(pdf)
    assert attachment.sha256 == hashlib.sha256(pdf).hexdigest()
    assert (attachment.source, attachment.added_by) == ("console", "ana")

    # The same letter on another case: a second attachment, one stored content.
    other = server.upload(second, "the bank's letter.pdf", pdf).attachment
    assert other.attachment_id != attachment.attachment_id
    assert other.source == "api"
    assert server.stored_contents() == before + 1

    photo = server.upload(first, "receipt", PNG, source="console").attachment
    assert (photo.filename, photo.media_type) == ("receipt.png", "image/png")
    assert [a.attachment_id for a in server.listed(first)] == [
        attachment.attachment_id,
        photo.attachment_id,
    ]
    got = server.download(first, attachment.attachment_id)
    assert got.content == pdf
    assert got.attachment == attachment
    # An attachment is found on its own case only.
    code, details, _ = refusal(lambda: server.download(second, attachment.attachment_id))
    assert code == grpc.StatusCode.NOT_FOUND
    assert details == f"no attachment {attachment.attachment_id} on case {second}"

    added_entries = [e for e in server.trail(first) if e.action == "attachment.added"]
    assert len(added_entries) == 2
    recorded = json.loads(added_entries[0].new_value)
    assert recorded == {
        "attachment_id": attachment.attachment_id,
        "filename": "statement.pdf",
        "media_type": "application/pdf",
        "size_bytes": len(pdf),
        "sha256": attachment.sha256,
        "source": "console",
    }
    verdict = server.verify(first)
    assert verdict.intact and verdict.consistent


def test_a_retry_answers_with_the_attachment_already_stored(server: CasesServer) -> None:
    case_id, _ = server.new_case()
    first = server.upload(case_id, "scan.png", PNG, key="upload-1")
    again = server.upload(case_id, "scan.png", PNG, key="upload-1")
    assert first.created and not again.created
    assert again.attachment == first.attachment
    # Without a key, the same content under the same name is the same upload.
    plain = server.upload(case_id, "letter.pdf", PDF)
    assert not server.upload(case_id, "letter.pdf", PDF).created
    assert len(server.listed(case_id)) == 2
    assert plain.attachment.attachment_id in {a.attachment_id for a in server.listed(case_id)}
    # The key for another file is a mistake the caller hears of.
    code, details, _ = refusal(lambda: server.upload(case_id, "other.pdf", PDF, key="upload-1"))
    assert code == grpc.StatusCode.ALREADY_EXISTS
    assert "upload-1" in details and first.attachment.attachment_id in details
    assert [e.action for e in server.trail(case_id)].count("attachment.added") == 2


def test_duplicates_sent_at_once_store_one_attachment(server: CasesServer) -> None:
    case_id, _ = server.new_case()
    answers: list[cases_pb2.UploadAttachmentResponse] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            answers.append(
                server.upload(case_id, "photo.png", PNG, caller="mailbox", source="email", key="m1")
            )
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(a.created for a in answers) == 1
    assert len({a.attachment.attachment_id for a in answers}) == 1
    assert len(server.listed(case_id)) == 1
    assert [e.action for e in server.trail(case_id)].count("attachment.added") == 1
    assert server.verify(case_id).intact


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "content", "field", "words"),
    [
        ("statement.pdf", EXE, "content", "Windows program"),
        ("setup.exe", EXE, "content", "Windows program"),
        ("page.html", b"<!DOCTYPE html><html><body>hi</body></html>", "content", "markup"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
            "content",
            "markup",
        ),
        ("documents.zip", zipped({"a.pdf": PDF}), "content", "archive"),
        ("letter.docx", zipped({"a.pdf": PDF}), "content", "archive"),
        (
            "macro.docx",
            zipped(
                {
                    "[Content_Types].xml": b"x",
                    "word/document.xml": b"x",
                    "word/vbaProject.bin": b"x",
                }
            ),
            "content",
            "macros",
        ),
        ("run.sh", b"#!/bin/sh\necho hi\n", "content", "script"),
        ("photo.pdf", PNG, "filename", "ends in .pdf but the content is a PNG image"),
        ("notes.txt", b"", "content", "empty"),
        ("../", PDF, "filename", "required"),
    ],
)
def test_files_are_judged_by_their_content(
    server: CasesServer, filename: str, content: bytes, field: str, words: str
) -> None:
    case_id, _ = server.new_case()
    code, _, violations = refusal(lambda: server.upload(case_id, filename, content))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert words in violations[field], violations
    assert server.listed(case_id) == []


def test_names_are_made_safe_and_office_documents_are_read_inside(server: CasesServer) -> None:
    case_id, _ = server.new_case()
    docx = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    added = server.upload(case_id, "C:\\Users\\jana\\..\\brief\u202e.docx", docx).attachment
    assert added.filename == "brief.docx"
    assert added.media_type.endswith("wordprocessingml.document")
    csv = server.upload(case_id, "payments.csv", b"date,amount\n2026-11-01,249.00\n").attachment
    assert csv.media_type == "text/csv"


def test_a_file_over_the_size_limit_and_a_full_case_are_refused(server: CasesServer) -> None:
    case_id, _ = server.new_case()
    big = PDF + b"%" * (5 * 1024 * 1024 + 1 - len(PDF))
    code, _, violations = refusal(lambda: server.upload(case_id, "big.pdf", big))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most 5,242,880" in violations["content"]
    exactly = big[:-1]
    assert server.upload(case_id, "limit.pdf", exactly).attachment.size_bytes == 5 * 1024 * 1024
    assert server.download(case_id, server.listed(case_id)[0].attachment_id).content == exactly
    for n in range(PER_CASE - 1):
        server.upload(case_id, f"note-{n}.txt", f"page {n}".encode())
    code, details, _ = refusal(lambda: server.upload(case_id, "one-more.txt", b"too many"))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert f"the most a case may hold ({PER_CASE})" in details
    # A retry of a file already on the full case still answers.
    assert not server.upload(case_id, "note-0.txt", b"page 0").created


def test_who_may_add_list_and_read_files(server: CasesServer) -> None:
    case_id, _ = server.new_case()
    # The channels carry the customer's files onto a case: added by the customer.
    by_mail = server.upload(case_id, "scan.png", PNG, caller="mailbox", source="email").attachment
    assert (by_mail.added_by, by_mail.source) == ("customer", "email")
    by_chat = server.upload(
        case_id, "chat.txt", b"customer: hello", caller="chatbot", source="chat"
    ).attachment
    assert by_chat.added_by == "customer"
    # ... but may not say they are staff, nor read what a case holds.
    code, _, violations = refusal(
        lambda: server.upload(case_id, "x.pdf", PDF, caller="mailbox", source="console")
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "source" in violations
    for caller in ("mailbox", "chatbot", "figures"):
        code, _, _ = refusal(lambda c=caller: server.listed(case_id, caller=c))  # type: ignore[misc]
        assert code == grpc.StatusCode.PERMISSION_DENIED
        code, _, _ = refusal(
            lambda c=caller: server.download(case_id, by_mail.attachment_id, caller=c)  # type: ignore[misc]
        )
        assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _, _ = refusal(lambda: server.upload(case_id, "x.pdf", PDF, caller="figures"))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    code, _, _ = refusal(lambda: server.upload(case_id, "x.pdf", PDF, caller="aud"))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    # An auditor reads them; nobody adds to a case that does not exist.
    assert len(server.listed(case_id, caller="aud")) == 2
    assert server.download(case_id, by_mail.attachment_id, caller="aud").content == PNG
    code, details, _ = refusal(lambda: server.upload("C-999999999", "x.pdf", PDF))
    assert (code, details) == (grpc.StatusCode.NOT_FOUND, "no case C-999999999")
    code, _, violations = refusal(lambda: server.upload("nonsense", "x.pdf", PDF, source="fax"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations) >= {"case_id", "source"}


def test_export_carries_the_files_and_erasure_removes_them(server: CasesServer) -> None:
    case_id, customer_id = server.new_case("Jana Kundin")
    other_case, _ = server.new_case("Someone Else")
    passport = PNG + uuid.uuid4().bytes
    mine = server.upload(
        case_id, "Jana Kundin passport.png", passport, caller="mailbox", source="email"
    ).attachment
    letter = uuid.uuid4().hex.encode()
    shared = server.upload(case_id, "letter.txt", letter).attachment
    server.upload(other_case, "letter.txt", letter)
    before = server.stored_contents()

    parts = server.stub.ExportCustomerData(
        cases_pb2.ExportCustomerDataRequest(customer_id=customer_id),
        metadata=who("aud"),
        timeout=30,
    )
    document = json.loads(b"".join(p.chunk for p in parts))
    (case,) = document["cases"]
    files = {f["attachment_id"]: f for f in case["attachments"]}
    assert set(files) == {mine.attachment_id, shared.attachment_id}
    exported = files[mine.attachment_id]
    assert exported["filename"] == "Jana Kundin passport.png"
    assert exported["media_type"] == "image/png"
    assert base64.b64decode(exported["content_base64"]) == passport

    result = erasure.erase_customer(
        server.store, customer_id, Actor("person", "admin"), "DSAR-77", "", force=True
    )
    assert result.erased["attachments"] == 2
    assert server.listed(case_id) == []
    # The passport photo is gone; the letter another case carries stays for it.
    assert server.stored_contents() == before - 1
    assert server.download(other_case, server.listed(other_case)[0].attachment_id).content == letter
    trail = server.trail(case_id)
    added = [e for e in trail if e.action == "attachment.added"]
    assert added and all("Jana" not in e.new_value for e in added)
    verdict = server.verify(case_id)
    assert verdict.intact, verdict.detail
    assert verdict.consistent, verdict.disagreements


def test_a_customers_refused_file_is_named_on_the_case_once(server: CasesServer) -> None:
    case_id, _ = server.new_case()
    for _ in range(2):  # the mailbox's retry of the same message
        code, _, violations = refusal(
            lambda: server.upload(
                case_id, "invoice.pdf", EXE, caller="mailbox", source="email", key="<m@x>#2"
            )
        )
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert "Windows program" in violations["content"]
    # Staff are told at once; their refusals are not the customer's to record.
    refusal(lambda: server.upload(case_id, "setup.exe", EXE, caller="ana"))
    refused = [e for e in server.trail(case_id) if e.action == "attachment.refused"]
    assert len(refused) == 1
    said = json.loads(refused[0].new_value)
    assert (said["filename"], said["size_bytes"], said["source"]) == (
        "invoice.pdf",
        len(EXE),
        "email",
    )
    assert "Windows program" in said["refused"]["content"]
    assert "Windows program" in refused[0].cause
    assert server.listed(case_id) == []
    assert server.verify(case_id).intact


def test_a_file_put_on_a_case_behind_the_services_back_is_reported(server: CasesServer) -> None:
    case_id, _ = server.new_case()
    added = server.upload(case_id, "statement.pdf", PDF).attachment
    assert server.verify(case_id).consistent
    engine = sqlalchemy.create_engine(server.url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "insert into case_attachments (attachment_id, case_id, filename, media_type, "
                "size_bytes, sha256, source, added_by, added_at, idempotency_key) "
                "select 'ATT-X' || attachment_id, case_id, 'planted.pdf', media_type, "
                "size_bytes, sha256, source, added_by, added_at, 'planted' "
                "from case_attachments where attachment_id = :id"
            ),
            {"id": added.attachment_id},
        )
    engine.dispose()
    verdict = server.verify(case_id)
    assert verdict.intact  # no entry was changed ...
    assert not verdict.consistent  # ... but the trail does not explain the file
    assert verdict.disagreements == ["the case holds 2 files but the trail records 1 added"]
