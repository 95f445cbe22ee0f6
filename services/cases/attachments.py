"""Files on cases: stored once by content, listed per case, audited, erased.

Blocking code over the case store's database, called from the servicer
through a thread. What a file is and whether it is kept is decided before
(services/cases/file_kinds.py); here it is stored:

- the bytes once in `attachment_contents` under their SHA-256, however many
  cases carry them;
- one `case_attachments` row per file on a case, with the upload's
  idempotency key unique per case, so that a retried upload (the same key,
  or without a key the same content under the same name) answers with the
  attachment already stored;
- an "attachment.added" entry on the case's audit trail in the same
  transaction: name, media type, size, sha256 and source, never the content.

The case row is locked first (on PostgreSQL), so that uploads to one case
take turns: the count cap holds and a duplicate finds the first one's row.
The unique constraints stay the backstop for whatever races past.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redress.db.personal_data import plain_value
from redress.db.tables.cases import AttachmentContent, AuditEvent, Case, CaseAttachment
from redress.platform.channels import LARGEST_FILE_BYTES
from services.cases.store import Actor, CaseStore

ADDED_ACTION = "attachment.added"
# A file a customer sent that was not kept, and why: so that staff see what
# the customer sent even when it was refused (never its content).
REFUSED_ACTION = "attachment.refused"
# Refusals recorded on one case at most: a channel sending the same bad file
# a thousand times adds no more to the trail than this.
MAX_REFUSALS_PER_CASE = 100
# Files larger than this are refused; REDRESS_ATTACHMENT_MAX_BYTES sets it,
# at most MAX_ATTACHMENT_BYTES, so that a download (the file and its
# description) stays within gRPC's 8 MiB messages (redress/platform/channels.py).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENT_BYTES = LARGEST_FILE_BYTES
DEFAULT_PER_CASE = 50
MAX_PER_CASE = 1000
# Where a file came from (Attachment.source); an empty source is "api".
SOURCES = ("email", "web_form", "status_page", "chat", "social", "console", "api")
# Files the customer sent themselves: recorded as added by "customer".
CUSTOMER_SOURCES = frozenset({"email", "web_form", "status_page", "chat", "social"})


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    per_case: int = DEFAULT_PER_CASE


class AttachmentsFull(ValueError):
    """The case holds as many attachments as a case may."""


class KeyReused(ValueError):
    """The idempotency key was used on this case for another file."""


class CaseMissing(KeyError):
    pass


@dataclass(frozen=True)
class NewAttachment:
    case_id: str
    filename: str
    media_type: str
    content: bytes
    source: str
    added_by: str
    # The caller's key, or "" to dedupe on content and name.
    idempotency_key: str = ""

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def stored_key(self) -> str:
        if self.idempotency_key:
            return "key:" + self.idempotency_key
        name = hashlib.sha256(self.filename.encode()).hexdigest()[:32]
        return f"file:{self.sha256}:{name}"


def attachment_number(surrogate: int) -> str:
    return f"ATT-{surrogate:07d}"


def add_attachment(
    store: CaseStore, new: NewAttachment, actor: Actor, max_per_case: int
) -> tuple[CaseAttachment, bool]:
    """The attachment stored for `new`, and whether this call stored it."""
    try:
        return _add_attachment(store, new, actor, max_per_case)
    except IntegrityError:
        # Not the same upload stored first: the content this upload found
        # stored was removed meanwhile (an erasure of the last case carrying
        # it, on PostgreSQL). Once more, storing the content anew.
        return _add_attachment(store, new, actor, max_per_case)


def _add_attachment(
    store: CaseStore, new: NewAttachment, actor: Actor, max_per_case: int
) -> tuple[CaseAttachment, bool]:
    digest = new.sha256
    try:
        with store.sessions.begin() as session:
            case = session.scalars(
                select(Case.case_id).where(Case.case_id == new.case_id).with_for_update()
            ).first()
            if case is None:
                raise CaseMissing(new.case_id)
            existing = _by_key(session, new.case_id, new.stored_key)
            if existing is not None:
                return _repeated(existing, new, digest), False
            count = session.scalar(
                select(func.count())
                .select_from(CaseAttachment)
                .where(CaseAttachment.case_id == new.case_id)
            )
            if int(count or 0) >= max_per_case:
                raise AttachmentsFull(
                    f"case {new.case_id} holds {int(count or 0)} attachments, the most a case "
                    f"may hold ({max_per_case}); REDRESS_ATTACHMENTS_PER_CASE sets it"
                )
            _store_content(session, digest, new.content)
            now = datetime.now(UTC)
            row = CaseAttachment(
                attachment_id=f"pending-{digest[:12]}",
                case_id=new.case_id,
                filename=new.filename,
                media_type=new.media_type,
                size_bytes=len(new.content),
                sha256=digest,
                source=new.source,
                added_by=new.added_by,
                added_at=now,
                idempotency_key=new.stored_key,
            )
            session.add(row)
            session.flush()
            row.attachment_id = attachment_number(row.id)
            session.flush()
            store._append(
                session,
                new.case_id,
                actor,
                action=ADDED_ACTION,
                field="attachments",
                new_value=json.dumps(
                    {
                        "attachment_id": row.attachment_id,
                        "filename": row.filename,
                        "media_type": row.media_type,
                        "size_bytes": row.size_bytes,
                        "sha256": digest,
                        "source": row.source,
                    },
                    ensure_ascii=False,
                    sort_keys=True,
                ),
                cause=f"file added from {row.source} by {row.added_by}",
            )
            return row, True
    except IntegrityError:
        # Another call stored the same upload first (the unique key).
        with store.sessions() as session:
            existing = _by_key(session, new.case_id, new.stored_key)
        if existing is None:
            raise
        return _repeated(existing, new, digest), False


def record_refusal(
    store: CaseStore,
    new: NewAttachment,
    size_bytes: int,
    reasons: dict[str, str],
    actor: Actor,
) -> bool:
    """Records on the case's trail that the customer's file was refused, once
    per upload (its idempotency key); whether this call recorded it."""
    key = hashlib.sha256(new.stored_key.encode()).hexdigest()[:32]
    with store.sessions.begin() as session:
        case = session.scalars(
            select(Case.case_id).where(Case.case_id == new.case_id).with_for_update()
        ).first()
        if case is None:
            raise CaseMissing(new.case_id)
        earlier = list(
            session.scalars(
                select(AuditEvent.new_value).where(
                    AuditEvent.case_id == new.case_id, AuditEvent.action == REFUSED_ACTION
                )
            )
        )
        if len(earlier) >= MAX_REFUSALS_PER_CASE or any(key in v for v in earlier):
            return False
        store._append(
            session,
            new.case_id,
            actor,
            action=REFUSED_ACTION,
            field="attachments",
            new_value=json.dumps(
                {
                    "filename": new.filename,
                    "size_bytes": size_bytes,
                    "source": new.source,
                    "upload": key,
                    "refused": reasons,
                },
                ensure_ascii=False,
                sort_keys=True,
            ),
            cause=f"file sent from {new.source} not kept: " + "; ".join(reasons.values()),
        )
        return True


def _by_key(session: Session, case_id: str, key: str) -> CaseAttachment | None:
    return session.scalars(
        select(CaseAttachment).where(
            CaseAttachment.case_id == case_id, CaseAttachment.idempotency_key == key
        )
    ).first()


def _repeated(existing: CaseAttachment, new: NewAttachment, digest: str) -> CaseAttachment:
    if existing.sha256 != digest or existing.filename != new.filename:
        raise KeyReused(
            f"the idempotency key {new.idempotency_key!r} was used on case {new.case_id} for "
            f"another file ({existing.attachment_id}, {existing.filename!r}); use a new key "
            "for a new file"
        )
    return existing


def _store_content(session: Session, digest: str, content: bytes) -> None:
    """The bytes under their digest, unless some case's upload stored them first."""
    if session.get(AttachmentContent, digest) is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                AttachmentContent(
                    sha256=digest,
                    size_bytes=len(content),
                    content=content,
                    stored_at=datetime.now(UTC),
                )
            )
    except IntegrityError:
        pass  # stored by a concurrent upload of the same content to another case


def list_attachments(store: CaseStore, case_id: str) -> list[CaseAttachment]:
    with store.sessions() as session:
        return list(
            session.scalars(
                select(CaseAttachment)
                .where(CaseAttachment.case_id == case_id)
                .order_by(CaseAttachment.id)
            )
        )


def attachment_with_content(
    store: CaseStore, case_id: str, attachment_id: str
) -> tuple[CaseAttachment, bytes] | None:
    with store.sessions() as session:
        row = session.execute(
            select(CaseAttachment, AttachmentContent.content)
            .join(AttachmentContent, AttachmentContent.sha256 == CaseAttachment.sha256)
            .where(
                CaseAttachment.case_id == case_id,
                CaseAttachment.attachment_id == attachment_id,
            )
        ).first()
        return (row[0], bytes(row[1])) if row else None


# -- a customer's rights (services/cases/erasure.py) ---------------------------


def erase_case_attachments(session: Session, case_id: str) -> tuple[int, set[str]]:
    """Removes the case's attachments; how many, and the contents they used."""
    rows = list(session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case_id)))
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows), {r.sha256 for r in rows}


def prune_contents(session: Session, digests: set[str]) -> int:
    """Removes those of `digests` no case carries any more; how many."""
    unused = [
        d
        for d in sorted(digests)
        if not session.scalar(
            select(func.count()).select_from(CaseAttachment).where(CaseAttachment.sha256 == d)
        )
    ]
    if unused:
        session.execute(delete(AttachmentContent).where(AttachmentContent.sha256.in_(unused)))
    return len(unused)


def exported_attachments(session: Session, case_id: str, placeholder: str) -> list[dict[str, Any]]:
    """The case's files as the customer's export shows them. The content stands
    as `placeholder` + its sha256 here: the export streams each file's base64 in
    its place (`export_stream`), so that no more than one file is in memory."""
    return [
        {
            "attachment_id": row.attachment_id,
            "filename": row.filename,
            "media_type": row.media_type,
            "size_bytes": row.size_bytes,
            "sha256": row.sha256,
            "source": row.source,
            "added_by": row.added_by,
            "added_at": plain_value(row.added_at),
            "content_base64": placeholder + row.sha256,
        }
        for row in session.scalars(
            select(CaseAttachment)
            .where(CaseAttachment.case_id == case_id)
            .order_by(CaseAttachment.id)
        )
    ]


class ContentGone(LookupError):
    """A file's content went while the export was being written (an erasure)."""


def content_of(store: CaseStore, digest: str) -> bytes:
    with store.sessions() as session:
        content = session.scalar(
            select(AttachmentContent.content).where(AttachmentContent.sha256 == digest)
        )
    if content is None:
        raise ContentGone(digest)
    return bytes(content)


def export_stream(
    document: bytes, placeholder: str, fetch: Callable[[str], bytes], chunk: int
) -> Iterator[bytes]:
    """`document` (UTF-8 JSON) in parts of at most `chunk` bytes, each file's
    placeholder replaced by its content in base64, fetched one at a time."""
    # As json.dumps writes the placeholder: its NUL escaped.
    written = json.dumps(placeholder)[1:-1].encode()
    pattern = re.compile(re.escape(written) + rb"([0-9a-f]{64})")
    pending = bytearray()
    at = 0
    step = (chunk // 4) * 3  # whole base64 quanta per part
    for found in pattern.finditer(document):
        pending += document[at : found.start()]
        at = found.end()
        content = fetch(found.group(1).decode())
        for start in range(0, len(content), step):
            pending += base64.b64encode(content[start : start + step])
            while len(pending) >= chunk:
                yield bytes(pending[:chunk])
                del pending[:chunk]
    pending += document[at:]
    while pending:
        yield bytes(pending[:chunk])
        del pending[:chunk]
