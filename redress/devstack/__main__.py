"""`python -m redress.devstack` (`make run`): the whole platform in the foreground.

Ctrl-C (or SIGTERM) stops every process it started; the data in the data
directory (./var unless REDRESS_DATA_DIR) is found again on the next start.
REDRESS_WORKERS=2 (or more) starts that many worker processes on the same
task queue instead of one.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from redress.devstack.platform import LocalPlatform
from redress.devstack.processes import ProcessFailed
from redress.platform.settings import data_dir


def workers() -> int:
    """REDRESS_WORKERS: how many worker processes to start (1 unless set)."""
    value = os.environ.get("REDRESS_WORKERS", "").strip() or "1"
    if not value.isdigit() or not 1 <= int(value) <= 16:
        raise SystemExit(f"REDRESS_WORKERS={value!r}: a whole number from 1 to 16")
    return int(value)


def main() -> int:
    platform = LocalPlatform(data_dir(), log_format="text", workers=workers())
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"starting Redress with data in {platform.data_dir} ...", flush=True)
    try:
        platform.start_all()
    except (ProcessFailed, SystemExit, Exception) as err:
        platform.stop()
        print(f"Redress did not start: {err}", file=sys.stderr)
        return 1
    print(platform.table(), flush=True)
    print(
        "\nTry: .venv/bin/redress submit --name 'Ada Lovelace' --email ada@example.com "
        "--channel web --narrative 'I was charged twice.'",
        flush=True,
    )
    print(
        "To try an agent's, a team lead's or a manager's view, add their keys to "
        f"{platform.data_dir / 'api-keys.txt'} (README, 'Trying each role').",
        flush=True,
    )
    print("Press Ctrl-C to stop.", flush=True)
    while not stop.wait(1.0):
        dead = [name for name, p in platform.processes.items() if not p.running()]
        if dead:
            for name in dead:
                p = platform.processes[name]
                print(
                    f"{name} exited with code {p.popen.returncode}; last lines of "
                    f"{p.log_path}:\n{p.log_tail()}",
                    file=sys.stderr,
                )
            platform.stop()
            return 1
    print("stopping Redress ...", flush=True)
    platform.stop()
    print("stopped; data kept in", platform.data_dir, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
