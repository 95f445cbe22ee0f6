"""services/reporting's Temporal activities: a scheduled report run and e-mailed.

The Schedule of each report (schedules.py) starts ReportDeliveryWorkflow,
whose activity runs the saved report as of the scheduled time and sends it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from redress.platform.mail import PermanentFailure, SmtpSettings, send_email
from redress.reporting.v1 import reporting_pb2
from services.reporting import saved
from services.reporting.render import CONTENT_TYPES, file_name, render
from services.reporting.schedules import schedule_id
from services.reporting.store import NoSuchReport, ReportingStore, SavedReports, from_row

log = logging.getLogger("redress.reporting")


class ReportActivities:
    def __init__(self, store: ReportingStore, smtp: SmtpSettings, sender_name: str) -> None:
        self.store = store
        self.reports = SavedReports(store)
        self.smtp = smtp
        self.sender_name = sender_name

    @activity.defn(name="reporting.deliver_report")
    async def deliver_report(self, name: str, scheduled_at: str) -> str:
        try:
            row = await asyncio.to_thread(self.reports.get, name)
        except NoSuchReport as err:
            raise ApplicationError(str(err), type="NotFound", non_retryable=True) from None
        definition = from_row(row)
        now = datetime.fromisoformat(scheduled_at).astimezone(UTC)
        result = await asyncio.to_thread(
            saved.run, self.store, definition, now, f"schedule {schedule_id(name)}"
        )
        attach = definition.attach or reporting_pb2.RENDER_FORMAT_CSV
        page = render(result, reporting_pb2.RENDER_FORMAT_HTML, now)
        attachment = render(result, attach, now)
        content_type = CONTENT_TYPES[attach][0].split(";")[0]
        maintype, subtype = content_type.split("/")
        # One Message-ID per report version and run, so a retried send is
        # recognisably the same email.
        digest = hashlib.sha256(f"{name}|{row.version}|{scheduled_at}".encode()).hexdigest()[:24]
        domain = self.smtp.mail_from.rpartition("@")[2] or "redress.invalid"
        answers = []
        for recipient in definition.email_to:
            email = EmailMessage()
            email["From"] = f"{self.sender_name} <{self.smtp.mail_from}>"
            email["To"] = recipient
            email["Subject"] = f"[Redress report] {definition.title}"
            email["Date"] = format_datetime(now)
            email["Message-ID"] = f"<R-{digest}@{domain}>"
            email["Auto-Submitted"] = "auto-generated"
            email["X-Redress-Report"] = f"{name}/v{row.version}"
            email.set_content(
                f"{definition.title}\n\nThe report is in the HTML part and attached.\n"
            )
            email.add_alternative(page.decode(), subtype="html")
            email.add_attachment(
                attachment,
                maintype=maintype,
                subtype=subtype,
                filename=file_name(definition, attach, now),
            )
            try:
                answers.append(await asyncio.to_thread(send_email, self.smtp, email, recipient))
            except PermanentFailure as err:
                raise ApplicationError(
                    str(err), type="PermanentFailure", non_retryable=True
                ) from err
            except (OSError, smtplib.SMTPException) as err:
                raise ApplicationError(
                    f"{type(err).__name__}: {err}", type="SmtpUnavailable"
                ) from err
        log.info("report delivered", extra={"fields": {"report": name, "recipients": len(answers)}})
        return f"sent to {len(answers)} recipient(s)"
