"""Mail pushed to Redress over SMTP or LMTP (aiosmtpd), by the firm's gateway
or, under `make run`, by anyone trying the e-mail channel locally.

Each message is filed as one from a watched mailbox would be, and kept whole
in a Maildir (REDRESS_MAILBOX_SPOOL) in the folder saying what became of it
(Filed, Ignored, Review, Unprocessed). The sender hears 250 only once the
complaint or reply is stored and the message kept; while the platform is
unavailable it hears 451 and tries again, so nothing is lost. Over LMTP
(RFC 2033, as a mail server such as Postfix or Exim delivers to a local
mailbox) the same answer is given once for each recipient, as LMTP asks:
the message is filed once, whoever it was addressed to.
"""

from __future__ import annotations

import asyncio
import logging
import mailbox
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from services.intake.mailbox.filing import MailFiler, TryLater
from services.intake.mailbox.watcher import FOLDERS, MAX_MESSAGE_BYTES

log = logging.getLogger("redress.intake.mailbox")


class FilingHandler:
    def __init__(self, filer: MailFiler, spool: Path, lmtp: bool = False) -> None:
        self.filer = filer
        self.lmtp = lmtp
        self.spool = mailbox.Maildir(spool, create=True)
        for folder in FOLDERS.values():
            name = folder.replace("/", ".")
            if name not in self.spool.list_folders():
                self.spool.add_folder(name)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await self._file(envelope)
        if not self.lmtp:
            return answer
        # LMTP answers DATA once per accepted recipient.
        return "\r\n".join([answer] * max(1, len(envelope.rcpt_tos)))

    async def _file(self, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        try:
            outcome = await asyncio.to_thread(self.filer.file, raw)
        except TryLater as err:
            log.warning("asked the sender to try again: %s", err)
            return "451 4.3.0 Redress cannot store the message now; try again later"
        folder = FOLDERS[outcome.disposition]
        self.spool.get_folder(folder.replace("/", ".")).add(raw)
        level = logging.ERROR if outcome.disposition == "unprocessed" else logging.INFO
        log.log(level, "received by SMTP, kept in %s: %s", folder, outcome.detail)
        return "250 2.0.0 OK " + (outcome.case_id or outcome.disposition)


class _LMTPController(Controller):
    def factory(self) -> SMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_listener(
    filer: MailFiler,
    host: str,
    port: int,
    spool: Path,
    protocol: str = "smtp",
    max_message_bytes: int = MAX_MESSAGE_BYTES,
) -> Controller:
    """Takes mail on host:port over `protocol`, "smtp" or "lmtp"; a message
    larger than `max_message_bytes` is refused (552) as it arrives."""
    lmtp = protocol == "lmtp"
    kind = _LMTPController if lmtp else Controller
    controller = kind(
        FilingHandler(filer, spool, lmtp),
        hostname=host,
        port=port,
        data_size_limit=max_message_bytes,
    )
    controller.start()
    log.info("taking mail by %s on %s:%s, kept in %s", protocol.upper(), host, port, spool)
    return controller
