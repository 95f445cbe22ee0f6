"""Starting, watching and stopping the processes of a local platform.

Used by `make run` and by the tests: each keeps the processes it started and
stops exactly those.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import psutil
from grpc_health.v1 import health_pb2, health_pb2_grpc

from redress.platform import channels

# Ports handed out below the kernel's ephemeral range (32768 and up on
# Linux), so that no process binding port 0 (the Temporal dev server does for
# its internal services) can be given one of them between our choosing it and
# our server binding it.
PORT_RANGE = (20000, 32000)


def bind_free(host: str = "127.0.0.1", taken: set[int] | None = None) -> socket.socket:
    """A socket bound to a free port of PORT_RANGE that is not in `taken`."""
    import random

    taken = taken or set()
    for _ in range(1000):
        port = random.randrange(*PORT_RANGE)
        if port in taken:
            continue
        s = socket.socket()
        try:
            s.bind((host, port))
        except OSError:
            s.close()
            continue
        return s
    raise RuntimeError(f"no free port between {PORT_RANGE[0]} and {PORT_RANGE[1]}")


def free_ports(count: int, host: str = "127.0.0.1", taken: set[int] | None = None) -> list[int]:
    """`count` free ports of PORT_RANGE, all different and none in `taken`:
    each is held open until every one is chosen."""
    with ExitStack() as held:
        sockets = [held.enter_context(bind_free(host, taken)) for _ in range(count)]
        return [int(s.getsockname()[1]) for s in sockets]


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(1, host)[0]


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def listens(pid: int, port: int) -> bool:
    """Whether the process `pid`, or one it started, is the one listening on
    `port`. A port chosen free can be taken by another process before ours
    binds it (ours then exits, unable to listen): a caller sent to the port
    would reach a stranger."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for member in members:
        try:
            sockets = member.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets):
            return True
    return False


@dataclass
class ManagedProcess:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class ProcessFailed(RuntimeError):
    pass


# How the processes Redress starts say a port was not theirs to listen on:
# its services (redress/platform/serving.py), Python's socket errors (the
# metrics endpoint), Temporal and Meilisearch.
BIND_FAILURES = ("cannot listen on", "address already in use")


def bind_failed(failure: str) -> bool:
    """Whether a ProcessFailed's text (the process's last lines) says it
    exited because a port it was given was taken."""
    text = failure.lower()
    return any(marker in text for marker in BIND_FAILURES)


@dataclass
class Supervisor:
    log_dir: Path
    processes: list[ManagedProcess] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        log_file = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        popen = subprocess.Popen(
            list(argv),
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches the supervisor, which then
            # stops the children in order.
            start_new_session=True,
            # What the children create (databases, indexes, blobs) is for the
            # user who runs the platform only: directories 0700, files 0600.
            umask=0o077,
        )
        log_file.close()
        process = ManagedProcess(name, popen, log_path)
        self.processes.append(process)
        return process

    def wait_until(
        self, process: ManagedProcess, ready: Callable[[], bool], timeout: float, what: str
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process.running():
                raise ProcessFailed(
                    f"{process.name} exited with code {process.popen.returncode} before {what}; "
                    f"last lines of {process.log_path}:\n{process.log_tail()}"
                )
            if ready():
                return
            time.sleep(0.2)
        raise ProcessFailed(
            f"{process.name} did not get to {what} within {timeout:.0f}s; "
            f"last lines of {process.log_path}:\n{process.log_tail()}"
        )

    def wait_for_port(
        self, process: ManagedProcess, host: str, port: int, timeout: float = 60
    ) -> None:
        self.wait_until(
            process, lambda: listens(process.pid, port), timeout, f"listening on {host}:{port}"
        )

    def start_listening(
        self,
        name: str,
        argv: Sequence[str],
        placed: Callable[[], tuple[Mapping[str, str], Sequence[int]]],
        host: str = "127.0.0.1",
        timeout: float = 90,
        attempts: int = 5,
        taken: Callable[[int], None] = lambda attempt: None,
    ) -> ManagedProcess:
        """Starts a process where `placed` says (its environment, the ports
        it must listen on) and waits until it, not another, listens on each.
        A port can be taken by another process before this one binds it:
        this one then exits, unable to listen; `taken(attempt)` is told, and
        the process is started again where `placed` now says."""
        for attempt in range(1, attempts + 1):
            env, ports = placed()
            process = self.start(name, argv, env)
            try:
                for port in ports:
                    self.wait_for_port(process, host, port, timeout)
            except ProcessFailed as err:
                self.stop(process)
                if attempt == attempts or not bind_failed(str(err)):
                    raise
                taken(attempt)
                continue
            return process
        raise AssertionError("unreachable")

    def start_on_free_ports(
        self,
        name: str,
        argv: Sequence[str],
        env: Callable[[list[int]], Mapping[str, str]],
        count: int,
        listen: Sequence[int] = (0,),
        host: str = "127.0.0.1",
        timeout: float = 90,
    ) -> tuple[ManagedProcess, list[int]]:
        """Starts a process on `count` free ports chosen for it, all
        different (`env(ports)` says which is which), and waits until it
        listens on `ports[i]` for each i in `listen`; a port taken before it
        bound it, it is started again on ports chosen afresh."""
        chosen: list[list[int]] = []

        def placed() -> tuple[Mapping[str, str], list[int]]:
            ports = free_ports(count, host)
            chosen.append(ports)
            return env(ports), [ports[i] for i in listen]

        process = self.start_listening(name, argv, placed, host, timeout)
        return process, chosen[-1]

    def wait_for_health(self, process: ManagedProcess, address: str, timeout: float = 60) -> None:
        self.wait_until(
            process, lambda: grpc_serving(address), timeout, f"serving gRPC health on {address}"
        )

    def stop_all(self, timeout: float = 20) -> None:
        for process in reversed(self.processes):
            if process.running():
                process.popen.send_signal(signal.SIGTERM)
                try:
                    process.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.popen.kill()
                    process.popen.wait()
        self.processes.clear()

    def stop(self, process: ManagedProcess, timeout: float = 20) -> None:
        if process.running():
            process.popen.send_signal(signal.SIGTERM)
            try:
                process.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        if process in self.processes:
            self.processes.remove(process)


def grpc_serving(address: str, service: str = "", timeout: float = 1.0) -> bool:
    try:
        with channels.channel(address) as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
            return bool(response.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.RpcError:
        return False
