"""Files social messages and chat transcripts through intake and services/cases.

The adapter keeps no case data: a thread's case is found again through
intake, by the idempotency key the thread's complaint was filed with. A chat
transcript is also kept whole as a text file on its case
(CasesService.UploadAttachment, source "chat"), however long it is: the
narrative or reply made of it is bounded.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime

import grpc
from google.protobuf import timestamp_pb2

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from services.intake.social.messages import ChatTranscript, SocialMessage, transcript_text

log = logging.getLogger("redress.social")

# What services/cases keeps of one customer reply, and what intake keeps of a
# narrative (protos/redress/cases/v1/cases.proto, intake.proto).
MAX_REPLY = 4_000
MAX_NARRATIVE = 32_000
# external_ref holds at most 100 characters.
MAX_EXTERNAL_REF = 100
# The whole transcript as a file: the webhook's body bounds it well below this.
MAX_TRANSCRIPT_FILE = 4_000_000
# Refusals that are about the file, not the platform: recorded on the case by
# services/cases ("attachment.refused"); the transcript's text is filed anyway.
FILE_REFUSALS = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION}


class NotYetFiled(Exception):
    """A later message of a thread whose complaint is not stored yet: the
    platform is to send it again (HTTP 503), nothing is lost."""


@dataclass(frozen=True)
class Filed:
    """What became of one webhook: `outcome` is one of complaint_filed,
    reply_recorded, transcript_recorded or brand_message_not_recorded."""

    outcome: str
    case_id: str
    created: bool = False

    def as_json(self) -> dict[str, object]:
        return {"outcome": self.outcome, "case_id": self.case_id, "created": self.created}


def _timestamp(at: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(at)
    return stamp


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 60].rstrip() + "\n[cut here: the message was longer]"


def contact_name(display_name: str, handle: str) -> str:
    """The name letters address the customer by. A display name that is only
    the handle again is not used: the handle must never reach a letter."""
    bare = handle.lstrip("@").lower()
    name = display_name.strip()
    if not name or (bare and bare in name.lower().replace("@", "")):
        return "Customer"
    return name


class SocialFiling:
    def __init__(
        self,
        intake: grpc.Channel,
        cases: grpc.Channel,
        api_key: str,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.intake = intake_pb2_grpc.IntakeServiceStub(intake)
        self.cases = cases_pb2_grpc.CasesServiceStub(cases)
        self.metadata = (("authorization", f"Bearer {api_key}"),)
        self.timeout = timeout_seconds

    def message(self, m: SocialMessage) -> Filed:
        if m.is_brand:
            # The firm's own answer on the platform: not a customer reply
            # (it would resume clocks paused while waiting on the customer)
            # and not a letter. The case it belongs to is named, nothing is filed.
            return Filed("brand_message_not_recorded", self._find(m.complaint_key))
        customer = common_pb2.Customer(
            full_name=contact_name(m.author_display_name, m.author_handle),
            social_handle=m.contact_handle,
            preferred_channel=common_pb2.CHANNEL_SOCIAL,
        )
        request = intake_pb2.SubmitComplaintRequest(
            idempotency_key=m.complaint_key,
            channel=common_pb2.CHANNEL_SOCIAL,
            customer=customer,
            narrative=m.text,
            received_at=_timestamp(m.created_at),
            external_ref=m.complaint_key[:MAX_EXTERNAL_REF],
        )
        # The thread's first message opens the complaint; the same message
        # again returns it. Any other message of the thread differs from the
        # one the complaint was filed with, which intake refuses as a reused
        # key: that message is a reply on the thread's case.
        try:
            answer = self.intake.SubmitComplaint(
                request, metadata=self.metadata, timeout=self.timeout
            )
            return Filed("complaint_filed", answer.case_id, answer.created)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.ALREADY_EXISTS:  # type: ignore[attr-defined]
                raise
        case_id = self._find(m.complaint_key)
        if not case_id:
            raise NotYetFiled(
                "the thread's complaint is being filed and its case is not stored yet; "
                "send this message again shortly"
            )
        self._reply(case_id, common_pb2.CHANNEL_SOCIAL, m.text, m.created_at, m.reply_key)
        return Filed("reply_recorded", case_id)

    def transcript(self, t: ChatTranscript) -> Filed:
        if t.case_id:
            text = transcript_text(t, MAX_REPLY - 100)
            summary = f"Chat transcript ({t.source}, chat {t.chat_id}):\n\n{text}"
            self._reply(t.case_id, common_pb2.CHANNEL_CHAT, summary, t.started_at, t.reply_key)
            self._attach_transcript(t.case_id, t)
            return Filed("transcript_recorded", t.case_id)
        customer = common_pb2.Customer(
            full_name=contact_name(t.customer_display_name, t.customer_handle),
            email=t.customer_email,
            social_handle=t.contact_handle,
        )
        answer = self.intake.SubmitComplaint(
            intake_pb2.SubmitComplaintRequest(
                idempotency_key=t.complaint_key,
                channel=common_pb2.CHANNEL_CHAT,
                customer=customer,
                narrative=transcript_text(t, MAX_NARRATIVE),
                received_at=_timestamp(t.started_at),
                external_ref=t.complaint_key[:MAX_EXTERNAL_REF],
            ),
            metadata=self.metadata,
            timeout=self.timeout,
        )
        self._attach_transcript(answer.case_id, t)
        return Filed("complaint_filed", answer.case_id, answer.created)

    def _attach_transcript(self, case_id: str, t: ChatTranscript) -> None:
        """The transcript whole, as a text file on the case; once, however
        often the chat tool sends it."""
        key = f"{t.reply_key}:file"
        if len(key) > 200:
            key = "chat-transcript:" + hashlib.sha256(key.encode()).hexdigest()
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"chat-{t.source}-{t.chat_id}")[:200]
        try:
            self.cases.UploadAttachment(
                cases_pb2.UploadAttachmentRequest(
                    case_id=case_id,
                    filename=f"{name}.txt",
                    content=transcript_text(t, MAX_TRANSCRIPT_FILE).encode(),
                    source="chat",
                    idempotency_key=key,
                ),
                metadata=self.metadata,
                timeout=self.timeout,
            )
        except grpc.RpcError as err:
            if err.code() not in FILE_REFUSALS:  # type: ignore[attr-defined]
                raise
            log.warning(
                "the chat transcript was not kept as a file on its case",
                extra={
                    "fields": {"case_id": case_id, "details": err.details()}  # type: ignore[attr-defined]
                },
            )

    def _find(self, key: str) -> str:
        try:
            found = self.intake.FindComplaint(
                intake_pb2.FindComplaintRequest(idempotency_key=key),
                metadata=self.metadata,
                timeout=self.timeout,
            )
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                return ""
            raise
        return found.case_id

    def _reply(
        self, case_id: str, channel: common_pb2.Channel, text: str, at: datetime, key: str
    ) -> None:
        self.cases.RecordCustomerReply(
            cases_pb2.RecordCustomerReplyRequest(
                case_id=case_id,
                channel=channel,
                summary=_cut(text, MAX_REPLY),
                received_at=_timestamp(at),
                idempotency_key=key,
            ),
            metadata=self.metadata,
            timeout=self.timeout,
        )
