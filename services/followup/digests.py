"""Staff digests: the alerts held for a person, gathered into one message.

A person who chose an hourly or daily digest in the staff directory gets the
alerts the platform raises on its own as one e-mail per period; the
StaffDigestWorkflow schedules (see __main__.py) decide when a period ends.
"""

from __future__ import annotations

from datetime import datetime

from redress.db.tables.followup import Message
from services.followup.messenger import fingerprint
from services.followup.store import NewMessage


def digest_message(held: list[Message], recipient: str, kind: str, upto: datetime) -> NewMessage:
    """One message listing the `held` alerts to `recipient` up to `upto`; its
    key follows from the period, so a repeated run gathers nothing twice."""
    lines = [f"{len(held)} alert(s) since your last {kind} digest:", ""]
    for m in held:
        lines += [
            f"- {m.created_at.strftime('%Y-%m-%d %H:%M')} UTC "
            f"{m.subject.removeprefix('[Redress] ')}",
            "  " + m.body_text.strip().replace("\n", "\n  "),
            "",
        ]
    return NewMessage(
        idempotency_key=f"digest/{kind}/{recipient}/{upto.isoformat()}",
        fingerprint=fingerprint("digest", recipient, kind, upto.isoformat()),
        case_id="",
        audience="staff",
        purpose="staff_digest",
        channel="email",
        recipient=recipient,
        language="en",
        template_name="",
        template_version=0,
        subject=f"[Redress] {len(held)} alert(s): your {kind} digest",
        body_text="\n".join(lines),
        body_html="",
        state="queued",
        created_by="redress",
    )
