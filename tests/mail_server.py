"""A real IMAP server for the e-mail channel's tests: Debian's dovecot-imapd,
started on a free loopback port with its own configuration, run directory and
mail store under a scratch directory, and stopped by its own process id.

Any user name logs in with PASSWORD (a static passdb), each with a mailbox of
its own, so that every test reads a mailbox no other test writes to. The
sandbox runs as root and dovecot will not serve mail as root: the store
belongs to `nobody`, and the userdb says so."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

from redress.devstack.processes import free_port, port_in_use

PASSWORD = "imap-test-password"
NOBODY = 65534
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{store}/%u
first_valid_uid = 1
default_internal_user = dovenull
default_login_user = dovenull
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={store}/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int

    def url(self, user: str) -> str:
        return f"imap://{user}:{PASSWORD}@{self.host}:{self.port}/INBOX"

    @contextmanager
    def login(self, user: str) -> Iterator[IMAPClient]:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        try:
            yield client
        finally:
            client.logout()

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Puts a message in the user's mailbox as delivery would (IMAP APPEND)."""
        with self.login(user) as client:
            client.append(folder, raw)

    def folder(self, user: str, folder: str) -> list[bytes]:
        """The messages in one of the user's folders, whole."""
        with self.login(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            fetched = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [fetched[uid][b"BODY[]"] for uid in uids]


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    if not found:
        raise RuntimeError(
            "dovecot is not installed: `apt-get install -y dovecot-imapd` (make test does it)"
        )
    return found


@contextmanager
def running_dovecot(root: Path) -> Iterator[ImapServer]:
    port = free_port()
    for name in ("run", "state"):
        (root / name).mkdir(parents=True, exist_ok=True)
    # Outside pytest's directories, which only root may enter: the mail
    # processes run as nobody and must reach their store.
    store = Path(tempfile.mkdtemp(prefix="redress-imap-"))
    shutil.chown(store, NOBODY, NOBODY)
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(root=root, store=store, port=port, password=PASSWORD, uid=NOBODY)
    )
    process = subprocess.Popen(
        [dovecot_binary(), "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "dovecot.stderr", "wb"),
    )
    try:
        deadline = time.monotonic() + 20
        while not port_in_use("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.stderr").read_text(errors="replace")
                raise RuntimeError(f"dovecot did not start on port {port}: {log[-2000:]}")
            time.sleep(0.1)
        yield ImapServer("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(store, ignore_errors=True)
