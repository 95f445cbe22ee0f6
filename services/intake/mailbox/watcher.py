"""Watching a complaints mailbox over IMAP (imapclient).

Each pass reads the messages waiting in the watched folder (INBOX unless told
otherwise), files each one (services/intake/mailbox/filing.py) and only then
moves it out, with IMAP MOVE, into a folder saying what became of it:

    Redress/Filed        a complaint or a reply, stored on its case
    Redress/Ignored      auto-replies, bounces, mailing-list traffic: never filed or answered
    Redress/Review       a reply no case takes (unknown case, not the customer, closed)
    Redress/Unprocessed  a message that cannot be read or was refused: kept whole, reported

A message the platform could not store (an outage) stays in the watched
folder and is tried again on the next pass; a crash between storing and moving
files nothing twice, because intake and the follow-up service are idempotent
on the Message-ID.
"""

from __future__ import annotations

import logging
import ssl
import threading
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from services.intake.mailbox.filing import (
    FILED,
    IGNORED,
    REVIEW,
    UNPROCESSED,
    MailFiler,
    Outcome,
    TryLater,
)

log = logging.getLogger("redress.intake.mailbox")

FOLDERS = {
    FILED: "Redress/Filed",
    IGNORED: "Redress/Ignored",
    REVIEW: "Redress/Review",
    UNPROCESSED: "Redress/Unprocessed",
}
# Messages fetched at a time: bounded memory on a mailbox that filled up while
# the adapter was down.
BATCH = 20
# A message larger than this is not read into memory at all: it is moved to
# Redress/Unprocessed, kept whole for a person (REDRESS_MAILBOX_MAX_MESSAGE_BYTES).
MAX_MESSAGE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    username: str
    password: str
    folder: str = "INBOX"
    tls: bool = True

    @classmethod
    def from_url(cls, url: str) -> Mailbox:
        """imaps://user:password@host[:port][/folder] (or imap:// on a trusted loopback)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError(
                "a mailbox is imaps://user:password@host[:port][/folder], "
                "e.g. imaps://complaints:secret@mail.bank.example/INBOX"
            )
        tls = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            username=urllib.parse.unquote(parts.username),
            password=urllib.parse.unquote(parts.password or ""),
            folder=urllib.parse.unquote(parts.path.lstrip("/")) or "INBOX",
            tls=tls,
        )

    @property
    def name(self) -> str:
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"


@dataclass
class PassResult:
    outcomes: list[Outcome]
    waiting: int  # left in the folder for the next pass (the platform was unavailable)


class MailboxWatcher:
    def __init__(
        self,
        mailbox: Mailbox,
        filer: MailFiler,
        timeout: float = 30.0,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.mailbox = mailbox
        self.filer = filer
        self.timeout = timeout
        self.max_message_bytes = max_message_bytes

    def _connect(self) -> IMAPClient:
        m = self.mailbox
        context = ssl.create_default_context() if m.tls else None
        client = IMAPClient(m.host, m.port, ssl=m.tls, ssl_context=context, timeout=self.timeout)
        client.login(m.username, m.password)
        for folder in FOLDERS.values():
            if not client.folder_exists(folder):
                client.create_folder(folder)
        return client

    def run_once(self) -> PassResult:
        """One pass over the watched folder."""
        client = self._connect()
        try:
            return self._pass(client)
        finally:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                pass

    def _pass(self, client: IMAPClient) -> PassResult:
        client.select_folder(self.mailbox.folder)
        uids = [uid for uid in client.search("UNDELETED")]
        outcomes, waiting = [], 0
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            sizes = client.fetch(batch, ["RFC822.SIZE"])
            batch = [uid for uid in batch if uid in sizes]
            too_large = [u for u in batch if sizes[u][b"RFC822.SIZE"] > self.max_message_bytes]
            for uid in too_large:
                client.move([uid], FOLDERS[UNPROCESSED])
                outcome = Outcome(
                    UNPROCESSED,
                    f"{sizes[uid][b'RFC822.SIZE']:,} bytes, more than the "
                    f"{self.max_message_bytes:,} the adapter reads",
                )
                self._report(uid, outcome)
                outcomes.append(outcome)
            batch = [uid for uid in batch if uid not in too_large]
            if not batch:
                continue
            # BODY.PEEK: reading a message does not mark it seen; only the move does.
            fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                data = fetched.get(uid)
                if data is None:
                    continue  # gone meanwhile (another watcher moved it)
                raw = data[b"BODY[]"]
                arrived = data.get(b"INTERNALDATE")
                if isinstance(arrived, datetime):
                    arrived = (
                        arrived.astimezone(UTC) if arrived.tzinfo else arrived.replace(tzinfo=UTC)
                    )
                try:
                    outcome = self.filer.file(
                        raw, arrived if isinstance(arrived, datetime) else None
                    )
                except TryLater as err:
                    log.warning(
                        "left in %s for the next pass: %s",
                        self.mailbox.name,
                        err,
                        extra={"uid": uid},
                    )
                    waiting += 1
                    continue
                client.move([uid], FOLDERS[outcome.disposition])
                self._report(uid, outcome)
                outcomes.append(outcome)
        return PassResult(outcomes, waiting)

    def _report(self, uid: int, outcome: Outcome) -> None:
        where = FOLDERS[outcome.disposition]
        text = "%s: message %s moved to %s: %s"
        args = (self.mailbox.name, uid, where, outcome.detail)
        if outcome.disposition == UNPROCESSED:
            log.error(text + " (kept whole; a person must look at it)", *args)
        elif outcome.disposition == REVIEW:
            log.warning(text + " (a person must route it)", *args)
        else:
            log.info(text, *args)

    def watch(self, stop: threading.Event, interval: float) -> None:
        """Passes every `interval` seconds until `stop` is set; a mailbox that
        cannot be reached is tried again at the next pass."""
        while not stop.is_set():
            try:
                self.run_once()
            except (IMAPClientError, OSError) as err:
                log.warning("cannot read %s: %s; trying again", self.mailbox.name, err)
            stop.wait(interval)
