"""The local mail server's handlers (aiosmtpd): the Maildir one `make run`
uses, and one that stalls mid-send, for tests of a relay that dies while it
is receiving a message."""

from __future__ import annotations

import asyncio
import email
from typing import Any

from aiosmtpd.handlers import Mailbox


class StallingMailbox(Mailbox):
    """Reads a message's data, then neither answers nor keeps it, until the
    process is killed: as a relay that dies after DATA and before its 250.

    Says so on its standard output ("holding <Message-ID> without an
    answer"), so that whoever watches its log knows when to kill it."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = email.message_from_bytes(envelope.content or b"")
        print(f"holding {headers.get('Message-ID', '')} without an answer", flush=True)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")
