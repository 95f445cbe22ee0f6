"""`python -m services.intake.mailbox`: watch the complaints mailboxes.

Settings (environment):

    REDRESS_MAILBOXES              imaps://user:password@host[:port][/folder], comma-separated
    REDRESS_MAILBOX_API_KEY        the adapter's own key (role intake_client)
    REDRESS_MAILBOX_POLL_SECONDS   how often each mailbox is read (default 10)
    REDRESS_MAILBOX_LISTEN         host:port to take mail pushed by SMTP as well (optional)
    REDRESS_MAILBOX_LISTEN_PROTOCOL  smtp (default) or lmtp, as the firm's mail server delivers
    REDRESS_MAILBOX_MAX_MESSAGE_BYTES  larger messages are kept whole, unread, in
                                   Redress/Unprocessed, or refused over SMTP (default 50 MiB)
    REDRESS_MAILBOX_SPOOL          the Maildir keeping what arrives by SMTP
                                   (default $REDRESS_DATA_DIR/inbound-mail)
    REDRESS_INTAKE_ADDRESS, REDRESS_FOLLOWUP_ADDRESS   where intake and follow-up listen

One thread per mailbox; SIGTERM or SIGINT stops them after the message in hand.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from redress.platform import logs
from redress.platform.channels import channel
from redress.platform.settings import Env, SettingsError
from services.intake.mailbox.filing import MailFiler
from services.intake.mailbox.listener import start_listener
from services.intake.mailbox.watcher import MAX_MESSAGE_BYTES
from services.intake.mailbox.watcher import Mailbox, MailboxWatcher


def main() -> int:
    env = Env()
    urls = [u.strip() for u in env.string("REDRESS_MAILBOXES", "").split(",") if u.strip()]
    api_key = env.string("REDRESS_MAILBOX_API_KEY", "")
    interval = env.number("REDRESS_MAILBOX_POLL_SECONDS", 10.0, minimum=0.5)
    max_bytes = int(
        env.number("REDRESS_MAILBOX_MAX_MESSAGE_BYTES", MAX_MESSAGE_BYTES, minimum=64 * 1024)
    )
    listen = env.string("REDRESS_MAILBOX_LISTEN", "")
    protocol = env.string("REDRESS_MAILBOX_LISTEN_PROTOCOL", "smtp").lower()
    data_dir = env.string("REDRESS_DATA_DIR", "var")
    spool = env.path("REDRESS_MAILBOX_SPOOL", str(Path(data_dir) / "inbound-mail"))
    intake = env.address("REDRESS_INTAKE_ADDRESS", "127.0.0.1:50051")
    followup = env.address("REDRESS_FOLLOWUP_ADDRESS", "127.0.0.1:50053")
    logs.configure(
        "mailbox", env.string("REDRESS_LOG_LEVEL", "info"), env.string("REDRESS_LOG_FORMAT", "json")
    )
    mailboxes = []
    for url in urls:
        try:
            mailboxes.append(Mailbox.from_url(url))
        except ValueError as err:
            env.problems.append(f"REDRESS_MAILBOXES: {err}")
    if not urls and not listen:
        env.problems.append(
            "REDRESS_MAILBOXES: name at least one mailbox to watch (or set REDRESS_MAILBOX_LISTEN)"
        )
    host, _, port = listen.rpartition(":")
    if listen and not (host and port.isdigit()):
        env.problems.append("REDRESS_MAILBOX_LISTEN: host:port, e.g. 127.0.0.1:2525")
    if protocol not in ("smtp", "lmtp"):
        env.problems.append(f"REDRESS_MAILBOX_LISTEN_PROTOCOL: smtp or lmtp, not {protocol!r}")
    if not api_key:
        env.problems.append("REDRESS_MAILBOX_API_KEY: the adapter's key (role intake_client)")
    try:
        env.check()
    except SettingsError as err:
        print(err, file=sys.stderr)
        return 2
    filer = MailFiler(channel(intake), channel(followup), api_key)
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    listener = start_listener(filer, host, int(port), spool, protocol, max_bytes) if listen else None
    threads = [
        threading.Thread(target=MailboxWatcher(m, filer, max_message_bytes=max_bytes).watch, args=(stop, interval), name=m.name)
        for m in mailboxes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if listener is not None:
        stop.wait()
        listener.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
