"""`make run`'s launcher: starts everything, prints where, stops exactly what it started
on Ctrl-C, and finds its data again on the next start."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from redress.devstack import binaries
from redress.devstack.platform import Ports
from redress.devstack.processes import port_in_use


def launch(data_dir: Path) -> tuple[subprocess.Popen[str], list[str]]:
    launcher = subprocess.Popen(
        [sys.executable, "-m", "redress.devstack"],
        env={**os.environ, "REDRESS_DATA_DIR": str(data_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 180
    assert launcher.stdout is not None
    while time.monotonic() < deadline:
        line = launcher.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("Press Ctrl-C"):
            return launcher, lines
    launcher.kill()
    raise AssertionError("the launcher did not come up:\n" + "\n".join(lines))


def stop(launcher: subprocess.Popen[str]) -> str:
    launcher.send_signal(signal.SIGINT)
    out, _ = launcher.communicate(timeout=90)
    return out


def pids(lines: list[str]) -> dict[str, int]:
    [line] = [x for x in lines if x.strip().startswith("processes:")]
    return {name: int(pid) for name, pid in re.findall(r"(\w+)=(\d+)", line)}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binaries.venv_binary("redress")), *args],
        env={**os.environ, "REDRESS_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_run_serves_stops_cleanly_and_keeps_its_data(tmp_path: Path):
    defaults = Ports()
    busy = [p for p in defaults.all().values() if port_in_use("127.0.0.1", p)]
    assert not busy, f"the default ports {busy} are taken; stop what runs there first"

    launcher, lines = launch(tmp_path)
    try:
        text = "\n".join(lines)
        assert "Temporal UI" in text and "http://127.0.0.1:8233" in text
        for port in (50051, 50052, 50053, 50054, 50055):
            assert f"127.0.0.1:{port}" in text
        assert "http://127.0.0.1:9102/metrics" in text
        started = pids(lines)
        assert set(started) >= {
            "temporal",
            "meilisearch",
            "cases",
            "intake",
            "followup",
            "knowledge",
            "reporting",
            "worker",
            "console",
        }

        ui = urllib.request.urlopen("http://127.0.0.1:8233", timeout=10)
        assert ui.status == 200
        # The console's address is printed first, with where the sign-in key is.
        assert "http://127.0.0.1:8090/" in text and "admin.key" in text
        signin = urllib.request.urlopen("http://127.0.0.1:8090/cases", timeout=10)
        assert "/signin?next=" in signin.url
        assert "API key" in signin.read().decode()
        assert cli(tmp_path, "health").returncode == 0

        filed = cli(
            tmp_path,
            "submit",
            "--name",
            "Rae Restart",
            "--email",
            "rae@example.com",
            "--channel",
            "chat",
            "--narrative",
            "My transfer never arrived.",
            "--key",
            "make-run-test-0001",
        )
        assert filed.returncode == 0, filed.stderr
        case_id = filed.stdout.split()[1]
    finally:
        output = stop(launcher)
    assert launcher.returncode == 0, output
    assert "stopped" in output
    assert not [name for name, pid in started.items() if alive(pid)]
    assert not [p for p in defaults.all().values() if port_in_use("127.0.0.1", p)]

    launcher, _ = launch(tmp_path)
    try:
        shown = cli(tmp_path, "case", "show", case_id)
        assert shown.returncode == 0, shown.stderr
        assert "Rae Restart" in shown.stdout
        again = cli(
            tmp_path,
            "submit",
            "--name",
            "Rae Restart",
            "--email",
            "rae@example.com",
            "--channel",
            "chat",
            "--narrative",
            "My transfer never arrived.",
            "--key",
            "make-run-test-0001",
        )
        assert again.stdout.startswith(f"case {case_id} already existed"), again.stdout
    finally:
        stop(launcher)
