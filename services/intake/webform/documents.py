"""The documents a customer sends with the complaint form or from the status
page: read within the limits, then added to the case one by one with
UploadAttachment, each under a key made from its form, position and content,
so that a form sent again adds nothing twice."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import grpc
from flask import g, request

from services.intake.webform.calls import PlatformCalls
from services.intake.webform.complaint import FormProblems

log = logging.getLogger("redress.webform")


def choose_again(documents: list[tuple[str, bytes]]) -> str:
    """Browsers cannot keep chosen files in a form shown again."""
    return g.t("Please choose your documents again.") if documents else ""


def read_documents(
    max_files: int, max_file_bytes: int, problems: FormProblems
) -> list[tuple[str, bytes]]:
    """The files sent with the current form, each read whole (within the limits)."""
    found = []
    files = [f for f in request.files.getlist("documents") if f and f.filename]
    if len(files) > max_files:
        problems.add("documents", "text:" + g.t("At most {n} files.").format(n=max_files))
        return []
    for f in files:
        content = f.read(max_file_bytes + 1)
        name = Path(str(f.filename).replace("\\", "/")).name[:255] or "document"
        if len(content) > max_file_bytes:
            problems.add(
                "documents",
                "text:"
                + g.t("{name} is larger than {mb} MB.").format(
                    name=name, mb=max_file_bytes // (1024 * 1024)
                ),
            )
        elif not content:
            problems.add("documents", "text:" + g.t("{name} is empty.").format(name=name))
        else:
            found.append((name, content))
    return found


def document_key(form_key: str, index: int, content: bytes) -> str:
    return f"{form_key}-doc{index}-{hashlib.sha256(content).hexdigest()[:16]}"


def add_documents(
    calls: PlatformCalls,
    case_id: str,
    link: str,
    files: list[tuple[str, bytes]],
    source: str,
    form_key: str,
) -> tuple[int, int]:
    """Adds the documents sent with the complaint to its case; the complaint
    is filed whatever becomes of them (the status page can add them again).
    How many were added, and how many could not be."""
    added = failed = 0
    for i, (name, content) in enumerate(files):
        try:
            calls.upload(case_id, link, name, content, source, document_key(form_key, i, content))
            added += 1
        except grpc.RpcError as err:
            failed += 1
            log.error(
                "a document sent with a complaint could not be added to its case",
                extra={"fields": {"case_id": case_id, "code": err.code().name}},  # type: ignore[attr-defined]
            )
    return added, failed
