"""Waiting for a started process to listen: its own listener, never another's.

A port chosen free can be taken by some other process before the one it was
chosen for binds it. Taking that stranger's listener for ours sends callers
to the wrong server; the start must notice, and start again elsewhere.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from redress.devstack.platform import LocalPlatform
from redress.devstack.processes import (
    ManagedProcess,
    ProcessFailed,
    Supervisor,
    bind_failed,
    free_port,
    grpc_serving,
    listens,
)

HOST = "127.0.0.1"

# Listens on $PORT as the platform's services do, and says so as they do when
# the port is taken.
LISTENER = """
import os, socket, sys, time
port = int(os.environ["PORT"])
s = socket.socket()
try:
    s.bind(("127.0.0.1", port))
except OSError as err:
    sys.exit(f"listener: cannot listen on 127.0.0.1:{port}: {err}")
s.listen()
time.sleep(60)
"""
# Starts the listener as a child of its own, as a wrapper script would.
WRAPPER = f"""
import subprocess, sys
subprocess.run([sys.executable, "-c", {LISTENER!r}])
"""


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    supervisor = Supervisor(tmp_path / "logs")
    yield supervisor
    supervisor.stop_all(timeout=5)


def stranger(supervisor: Supervisor, port: int) -> ManagedProcess:
    process = supervisor.start("stranger", [sys.executable, "-c", LISTENER], {"PORT": str(port)})
    supervisor.wait_for_port(process, HOST, port, timeout=20)
    return process


def test_a_port_another_process_listens_on_is_not_taken_for_the_started_ones(
    supervisor: Supervisor,
) -> None:
    port = free_port()
    other = stranger(supervisor, port)
    late = supervisor.start("late", [sys.executable, "-c", LISTENER], {"PORT": str(port)})
    with pytest.raises(ProcessFailed) as failed:
        supervisor.wait_for_port(late, HOST, port, timeout=20)
    assert "exited" in str(failed.value) and bind_failed(str(failed.value))
    assert listens(other.pid, port) and not listens(late.pid, port)


def test_a_process_that_never_listens_is_not_ready_while_another_holds_its_port(
    supervisor: Supervisor,
) -> None:
    port = free_port()
    stranger(supervisor, port)
    idle = supervisor.start("idle", [sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(ProcessFailed, match="did not get to listening"):
        supervisor.wait_for_port(idle, HOST, port, timeout=2)


def test_a_listener_started_by_the_process_counts_as_its_own(supervisor: Supervisor) -> None:
    port = free_port()
    wrapper = supervisor.start("wrapper", [sys.executable, "-c", WRAPPER], {"PORT": str(port)})
    supervisor.wait_for_port(wrapper, HOST, port, timeout=20)
    assert listens(wrapper.pid, port)


def test_a_port_taken_between_choosing_and_binding_is_chosen_again(
    supervisor: Supervisor,
) -> None:
    handed: list[list[int]] = []

    def env(ports: list[int]) -> dict[str, str]:
        handed.append(ports)
        if len(handed) == 1:
            stranger(supervisor, ports[0])  # taken before ours binds it
        return {"PORT": str(ports[0]), "SECOND": str(ports[1])}

    process, ports = supervisor.start_on_free_ports(
        "listener", [sys.executable, "-c", LISTENER], env, count=2, host=HOST, timeout=20
    )
    assert len(handed) == 2 and ports == handed[1]
    assert ports[0] != handed[0][0] and len(set(ports)) == 2
    assert listens(process.pid, ports[0])
    with socket.create_connection((HOST, ports[0]), timeout=5):
        pass


def test_a_process_that_fails_for_another_reason_is_not_started_again(
    supervisor: Supervisor,
) -> None:
    handed: list[list[int]] = []

    def env(ports: list[int]) -> dict[str, str]:
        handed.append(ports)
        return {}

    with pytest.raises(ProcessFailed, match="the settings are wrong"):
        supervisor.start_on_free_ports(
            "broken",
            [sys.executable, "-c", "import sys; sys.exit('the settings are wrong')"],
            env,
            count=1,
            host=HOST,
            timeout=20,
        )
    assert len(handed) == 1


def test_a_service_asked_to_listen_where_another_serves_refuses_and_the_first_serves_on(
    platform: LocalPlatform,
) -> None:
    # gRPC would share the port (SO_REUSEPORT) and take half the first one's calls.
    taken = platform.ports.grpc["cases"]
    second = platform.supervisor.start(
        "cases-on-a-taken-port",
        [sys.executable, "-m", "services.cases"],
        {
            **platform.env(),
            "REDRESS_CASES_LISTEN": f"{HOST}:{taken}",
            "REDRESS_CASES_METRICS_LISTEN": f"{HOST}:{free_port()}",
            "REDRESS_MIGRATE_ON_START": "false",
        },
    )
    try:
        assert second.popen.wait(90) != 0
    finally:
        platform.supervisor.stop(second)
    assert f"cannot listen on {HOST}:{taken}: the address is in use" in second.log_tail()
    assert grpc_serving(f"{HOST}:{taken}")
    assert listens(platform.processes["cases"].pid, taken)
