"""What becomes of one e-mail: a complaint, a reply on its case, or set aside.

The adapter holds no case data. A new message is filed through
IntakeService.SubmitComplaint (its Message-ID the idempotency key, so the same
message twice files one case); a reply goes to FollowupService.
ReceiveCustomerMessage, which finds the case (a Redress letter named in
In-Reply-To/References, or the case id in the subject from the case's own
customer), keeps the e-mail on it and records the customer's reply through
CasesService.RecordCustomerReply (clocks paused for the customer resume as the
policy says). The files the message carries, inline images too, then go onto
that case through CasesService.UploadAttachment, each under a key made of the
message's key and the part's place in it, so that the same message again adds
none twice. A file the cases service refuses (its kind, its size, a full case)
is named on the case's audit trail with why ("attachment.refused"); a file too
large for any message is named at the end of the complaint's or reply's text.
All accept the adapter's `intake_client` key.

Each outcome names the mailbox folder the message moves to; the caller moves
it only after this returns, so a message is marked processed only once what
it carries is stored. An outage raises `TryLater` and the message stays where
it is for the next pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.followup.v1 import followup_pb2, followup_pb2_grpc
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform.channels import LARGEST_FILE_BYTES
from redress.platform.wire import timestamp
from services.intake.mailbox.reading import InboundEmail, Unreadable, read_email, survey_score

FILED, IGNORED, REVIEW, UNPROCESSED = "filed", "ignored", "review", "unprocessed"
NARRATIVE_LIMIT = 32_000
REPLY_LIMIT = 100_000
# Errors worth another pass: the platform is down or slow, not the message wrong.
TRANSIENT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}


class TryLater(Exception):
    """The platform could not store the message now; leave it in the mailbox."""


@dataclass(frozen=True)
class Outcome:
    # One of FILED, IGNORED, REVIEW, UNPROCESSED: the folder it moves to.
    disposition: str
    detail: str
    case_id: str = ""
    created: bool = False


def attachments_footer(email: InboundEmail) -> str:
    """The files too large for Redress to keep, named so that a person knows
    to look at the original message. Every other file goes onto the case."""
    too_large = [a for a in email.attachments if a.size > LARGEST_FILE_BYTES]
    if not too_large:
        return ""
    lines = [f"- {a.filename} ({a.content_type}, {a.size:,} bytes)" for a in too_large]
    return (
        f"\n\n[Sent by e-mail with {len(lines)} file(s) larger than a case keeps "
        f"({LARGEST_FILE_BYTES:,} bytes), kept only with the original message "
        f"{email.message_id or email.key} in the complaints mailbox:\n" + "\n".join(lines) + "]"
    )


def upload_key(email: InboundEmail, index: int) -> str:
    """The same part of the same message is the same upload, however often it arrives."""
    return f"{email.key}#{index}"


def narrative_of(email: InboundEmail) -> str:
    text = email.text.strip() or email.subject or "(the e-mail has no text)"
    footer = attachments_footer(email)
    room = NARRATIVE_LIMIT - len(footer) - 200
    if len(text) > room:
        text = text[:room] + "\n[… cut here: the whole text is in the original e-mail]"
    return text + footer


class MailFiler:
    def __init__(
        self, intake: grpc.Channel, followup: grpc.Channel, cases: grpc.Channel, api_key: str
    ) -> None:
        self.intake = intake_pb2_grpc.IntakeServiceStub(intake)
        self.followup = followup_pb2_grpc.FollowupServiceStub(followup)
        self.cases = cases_pb2_grpc.CasesServiceStub(cases)
        self.metadata = (("authorization", f"Bearer {api_key}"),)

    def file(self, raw: bytes, arrived_at: datetime | None = None) -> Outcome:
        """Files one raw e-mail; `arrived_at` (the mailbox's INTERNALDATE) stands
        for its date when it has no usable Date header."""
        try:
            email = read_email(raw)
        except Unreadable as err:
            return Outcome(UNPROCESSED, str(err))
        if email.automatic:
            # Recorded (the log and the Ignored folder), never filed or answered:
            # answering an auto-reply is how mail loops start.
            return Outcome(IGNORED, email.automatic)
        if email.is_reply:
            return self._reply(email, arrived_at)
        return self._complaint(email, arrived_at)

    def _received_at(self, email: InboundEmail, arrived_at: datetime | None) -> datetime | None:
        now = datetime.now(UTC)
        for when in (email.date, arrived_at):
            # A sender's clock ahead of ours is not a time intake accepts.
            if when is not None and when <= now + timedelta(minutes=1):
                return when
        return None

    def _complaint(self, email: InboundEmail, arrived_at: datetime | None) -> Outcome:
        name = email.sender_name or email.sender.split("@")[0]
        request = intake_pb2.SubmitComplaintRequest(
            idempotency_key=email.key,
            channel=common_pb2.CHANNEL_EMAIL,
            customer=common_pb2.Customer(
                full_name=name[:200],
                email=email.sender,
                preferred_channel=common_pb2.CHANNEL_EMAIL,
            ),
            issue=email.subject[:500],
            narrative=narrative_of(email),
        )
        received_at = self._received_at(email, arrived_at)
        if received_at is not None:
            request.received_at.CopyFrom(timestamp(received_at))
        try:
            answer = self.intake.SubmitComplaint(request, metadata=self.metadata, timeout=60)
        except grpc.RpcError as err:
            return self._refused(err, "intake")
        how = "filed as" if answer.created else "already filed as"
        files = self._attach(email, answer.case_id)
        return Outcome(FILED, f"{how} {answer.case_id}{files}", answer.case_id, answer.created)

    def _reply(self, email: InboundEmail, arrived_at: datetime | None) -> Outcome:
        body = email.text + attachments_footer(email)
        request = followup_pb2.ReceiveCustomerMessageRequest(
            message_id_header=email.message_id or f"<{email.key}@redress.invalid>",
            sender=email.sender,
            subject=email.subject[:1000],
            body_text=body[:REPLY_LIMIT],
            in_reply_to=email.in_reply_to[:1000],
            references=[r[:1000] for r in email.references[-100:]],
        )
        received_at = self._received_at(email, arrived_at)
        if received_at is not None:
            request.received_at.CopyFrom(timestamp(received_at))
        try:
            answer = self.followup.ReceiveCustomerMessage(
                request, metadata=self.metadata, timeout=60
            )
        except grpc.RpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND and not email.case_in_subject:
                # It quotes a message Redress never sent (e.g. the customer's
                # own earlier mail): a complaint in its own right.
                return self._complaint(email, arrived_at)
            return self._refused(err, "follow-up")
        files = self._attach(email, answer.case_id)
        scored = ""
        if answer.replied_to == followup_pb2.MESSAGE_PURPOSE_SATISFACTION_SURVEY:
            scored = self._survey_answer(email, answer.case_id)
        return Outcome(
            FILED,
            f"recorded as the customer's reply on {answer.case_id} "
            f"(matched by {answer.matched_by}){files}{scored}",
            answer.case_id,
        )

    def _survey_answer(self, email: InboundEmail, case_id: str) -> str:
        """A reply to the satisfaction survey that starts with a score (1 to
        5) is the customer's answer too; what became of it, for the log."""
        score, comment = survey_score(email.text)
        if not score:
            return "; no score at the start of the survey reply"
        try:
            self.cases.RecordSatisfaction(
                cases_pb2.RecordSatisfactionRequest(
                    case_id=case_id, score=score, comment=comment[:4000], source="email_reply"
                ),
                metadata=self.metadata,
                timeout=60,
            )
        except grpc.RpcError as err:
            code, details = err.code(), err.details() or ""
            if code == grpc.StatusCode.ALREADY_EXISTS:
                return "; the case has its survey answer already"
            if code in TRANSIENT:
                # The reply is recorded once however often it is handed in:
                # the next pass records the score.
                raise TryLater(f"cases answered {code.name} for the score: {details}") from None
            return f"; survey score not recorded ({code.name}: {details[:200]})"
        return f"; survey score {score} recorded"

    def _attach(self, email: InboundEmail, case_id: str) -> str:
        """Puts the message's files on its case; what became of them, for the
        log. TryLater while the cases service cannot take them: the message
        stays in the mailbox and the next pass adds what is still missing."""
        kept, refused = 0, []
        for index, part in enumerate(email.attachments):
            if part.size > LARGEST_FILE_BYTES:
                continue  # named in the text (attachments_footer)
            request = cases_pb2.UploadAttachmentRequest(
                case_id=case_id,
                filename=part.filename,
                content=part.content,
                source="email",
                idempotency_key=upload_key(email, index),
            )
            try:
                self.cases.UploadAttachment(request, metadata=self.metadata, timeout=60)
                kept += 1
            except grpc.RpcError as err:
                code, details = err.code(), err.details() or ""
                if code in TRANSIENT or code in (
                    grpc.StatusCode.UNAUTHENTICATED,
                    grpc.StatusCode.PERMISSION_DENIED,
                ):
                    raise TryLater(f"cases answered {code.name} for a file: {details}") from None
                # Refused for what the file is: named on the case's trail by
                # the cases service; the message itself is filed.
                refused.append(f"{part.filename} ({code.name}: {details[:200]})")
        if not email.attachments:
            return ""
        said = f"; {kept} file(s) attached"
        return said + (f", refused: {'; '.join(refused)}" if refused else "")

    def _refused(self, err: grpc.RpcError, service: str) -> Outcome:
        code, details = err.code(), err.details() or ""
        if code in TRANSIENT:
            raise TryLater(f"{service} answered {code.name}: {details}")
        if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
            # The adapter's key is wrong, not the message: keep it for when it is fixed.
            raise TryLater(f"{service} refused the adapter's key ({code.name}): {details}")
        if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
            # No case to put it on, a sender other than the case's customer,
            # a closed case: a person decides.
            return Outcome(REVIEW, f"{code.name}: {details}")
        return Outcome(UNPROCESSED, f"{service} refused it ({code.name}): {details}")
