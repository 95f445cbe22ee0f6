"""Letters and staff alerts as e-mail: the headers a receiver and the mail gateway rely on.

The relay itself is reached through redress/platform/mail.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from redress.db.tables.followup import Message
from redress.platform.mail import SmtpSettings
from services.followup.context import Firm


def build_email(message: Message, smtp: SmtpSettings, firm: Firm) -> EmailMessage:
    """The e-mail a recorded message goes out as, from the firm's address."""
    email = EmailMessage()
    email["From"] = formataddr((firm.name, smtp.mail_from))
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    domain = smtp.mail_from.rpartition("@")[2] or "redress.invalid"
    # Stable per message: a receiver that sees it twice can tell, and a reply
    # quoting it finds its case (messenger.SENT_MESSAGE_ID).
    email["Message-ID"] = f"<{message.message_id}@{domain}>"
    email["Reply-To"] = firm.complaints_email
    email["Auto-Submitted"] = (
        "auto-generated"
        if message.created_by.startswith(("complaint-workflow", "redress"))
        else "no"
    )
    email["X-Redress-Case"] = message.case_id
    email["X-Redress-Message"] = message.message_id
    if message.template_name:
        email["X-Redress-Template"] = (
            f"{message.template_name}/{message.language}/v{message.template_version}"
        )
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    # After the content: set_content() replaces every Content-* header.
    email["Content-Language"] = message.language
    return email
