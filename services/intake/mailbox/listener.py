"""Mail pushed to Redress over SMTP (aiosmtpd), by the firm's gateway or, under
`make run`, by anyone trying the e-mail channel locally.

Each message is filed as one from a watched mailbox would be, and kept whole
in a Maildir (REDRESS_MAILBOX_SPOOL) in the folder saying what became of it
(Filed, Ignored, Review, Unprocessed). The sender hears 250 only once the
complaint or reply is stored and the message kept; while the platform is
unavailable it hears 451 and tries again, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import mailbox
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from services.intake.mailbox.filing import MailFiler, TryLater
from services.intake.mailbox.watcher import FOLDERS

log = logging.getLogger("redress.intake.mailbox")


class FilingHandler:
    def __init__(self, filer: MailFiler, spool: Path) -> None:
        self.filer = filer
        self.spool = mailbox.Maildir(spool, create=True)
        for folder in FOLDERS.values():
            name = folder.replace("/", ".")
            if name not in self.spool.list_folders():
                self.spool.add_folder(name)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
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


def start_listener(filer: MailFiler, host: str, port: int, spool: Path) -> Controller:
    controller = Controller(FilingHandler(filer, spool), hostname=host, port=port)
    controller.start()
    log.info("taking mail by SMTP on %s:%s, kept in %s", host, port, spool)
    return controller
