"""The whole platform on one machine: servers, services and worker as child processes.

`make run` uses it with the default ports and ./var; the tests use it with
free ports and a scratch directory.
"""

from __future__ import annotations

import mailbox
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from redress.devstack import binaries
from redress.devstack.processes import ManagedProcess, Supervisor, port_in_use
from workflows.search_attributes import CLI_TYPES

SERVICES = ("cases", "intake", "followup", "knowledge", "reporting")
HOST = "127.0.0.1"


@dataclass
class Ports:
    temporal: int = 7233
    temporal_ui: int = 8233
    meilisearch: int = 7700
    smtp: int = 1025
    grpc: dict[str, int] = field(
        default_factory=lambda: {
            "intake": 50051,
            "cases": 50052,
            "followup": 50053,
            "knowledge": 50054,
            "reporting": 50055,
        }
    )
    metrics: dict[str, int] = field(
        default_factory=lambda: {
            "intake": 9101,
            "cases": 9102,
            "followup": 9103,
            "knowledge": 9104,
            "reporting": 9105,
            "worker": 9106,
            "worker_sdk": 9107,
        }
    )

    @classmethod
    def free(cls) -> Ports:
        from redress.devstack.processes import free_port

        return cls(
            temporal=free_port(),
            temporal_ui=free_port(),
            meilisearch=free_port(),
            smtp=free_port(),
            grpc={name: free_port() for name in SERVICES},
            metrics={name: free_port() for name in (*SERVICES, "worker", "worker_sdk")},
        )

    def all(self) -> dict[str, int]:
        return {
            "temporal": self.temporal,
            "temporal UI": self.temporal_ui,
            "meilisearch": self.meilisearch,
            "mail (SMTP)": self.smtp,
            **{f"{n} gRPC": p for n, p in self.grpc.items()},
            **{f"{n} metrics": p for n, p in self.metrics.items()},
        }


@dataclass(frozen=True)
class Credentials:
    admin_key: str
    service_key: str
    intake_key: str
    meilisearch_key: str


def ensure_credentials(data_dir: Path) -> Credentials:
    """Keys for the local platform, made once and kept in the data directory (mode 0600)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "credentials"
    if not path.exists():
        values = {
            "admin": secrets.token_hex(24),
            "service": secrets.token_hex(24),
            "intake": secrets.token_hex(24),
            "meilisearch": secrets.token_hex(24),
        }
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    values = dict(line.split("=", 1) for line in path.read_text().split())
    creds = Credentials(values["admin"], values["service"], values["intake"], values["meilisearch"])
    keys = data_dir / "api-keys.txt"
    keys.write_text(
        "# API keys of the local platform: <key> <principal> <roles>\n"
        f"{creds.admin_key} local-admin administrator\n"
        f"{creds.service_key} redress-worker service\n"
        f"{creds.intake_key} local-intake intake_client\n"
    )
    keys.chmod(0o600)
    (data_dir / "admin.key").write_text(creds.admin_key + "\n")
    (data_dir / "admin.key").chmod(0o600)
    return creds


class LocalPlatform:
    def __init__(
        self,
        data_dir: Path,
        ports: Ports | None = None,
        database_url: str | None = None,
        log_format: str = "json",
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.ports = ports or Ports()
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'redress.db'}"
        self.supervisor = Supervisor(self.data_dir / "logs")
        self.credentials = ensure_credentials(self.data_dir)
        self.log_format = log_format
        self.processes: dict[str, ManagedProcess] = {}

    def address(self, service: str) -> str:
        return f"{HOST}:{self.ports.grpc[service]}"

    def env(self) -> dict[str, str]:
        env = {
            "REDRESS_DATA_DIR": str(self.data_dir),
            "REDRESS_DATABASE_URL": self.database_url,
            "REDRESS_API_KEYS_FILE": str(self.data_dir / "api-keys.txt"),
            "REDRESS_SERVICE_API_KEY": self.credentials.service_key,
            "REDRESS_TEMPORAL_ADDRESS": f"{HOST}:{self.ports.temporal}",
            "REDRESS_MEILISEARCH_URL": f"http://{HOST}:{self.ports.meilisearch}",
            "REDRESS_MEILISEARCH_KEY": self.credentials.meilisearch_key,
            "REDRESS_LOG_FORMAT": self.log_format,
            "REDRESS_SMTP_HOST": HOST,
            "REDRESS_SMTP_PORT": str(self.ports.smtp),
            "REDRESS_CASE_LINK": f"http://{HOST}:{self.ports.temporal_ui}/namespaces/default"
            "/workflows/{workflow_id}",
            "REDRESS_WORKER_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['worker']}",
            "REDRESS_WORKER_SDK_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['worker_sdk']}",
            "PYTHONUNBUFFERED": "1",
        }
        for name in SERVICES:
            env[f"REDRESS_{name.upper()}_LISTEN"] = self.address(name)
            env[f"REDRESS_{name.upper()}_ADDRESS"] = self.address(name)
            env[f"REDRESS_{name.upper()}_METRICS_LISTEN"] = f"{HOST}:{self.ports.metrics[name]}"
        return env

    def check_ports_free(self) -> None:
        taken = [
            f"{what} ({port})" for what, port in self.ports.all().items() if port_in_use(HOST, port)
        ]
        if taken:
            raise SystemExit(
                "these ports are in use, is Redress already running? " + ", ".join(taken)
            )

    def start_temporal(self, persist: bool = True, ui: bool = True) -> ManagedProcess:
        argv = [
            str(binaries.temporal_cli()),
            "server",
            "start-dev",
            "--ip",
            HOST,
            "--port",
            str(self.ports.temporal),
            "--log-level",
            "warn",
            "--dynamic-config-value",
            "history.shardIOConcurrency=8",
            # Let search attributes and visibility catch up quickly for ops.
        ]
        if persist:
            argv += [
                "--db-filename",
                str(self.data_dir / "temporal.db"),
                "--sqlite-pragma",
                "journal_mode=wal",
                "--sqlite-pragma",
                "synchronous=normal",
            ]
        if ui:
            argv += ["--ui-ip", HOST, "--ui-port", str(self.ports.temporal_ui)]
        else:
            argv += ["--headless"]
        for name, kind in CLI_TYPES.items():
            argv += ["--search-attribute", f"{name}={kind}"]
        process = self.supervisor.start("temporal", argv)
        self.supervisor.wait_for_port(process, HOST, self.ports.temporal, timeout=90)
        self.processes["temporal"] = process
        return process

    def start_meilisearch(self) -> ManagedProcess:
        argv = [
            str(binaries.meilisearch_binary()),
            "--db-path",
            str(self.data_dir / "meilisearch"),
            "--dump-dir",
            str(self.data_dir / "meilisearch-dumps"),
            "--http-addr",
            f"{HOST}:{self.ports.meilisearch}",
            # One argument: a generated key may begin with "-".
            f"--master-key={self.credentials.meilisearch_key}",
            "--no-analytics",
            "--env",
            "development",
        ]
        process = self.supervisor.start("meilisearch", argv)
        self.supervisor.wait_for_port(process, HOST, self.ports.meilisearch, timeout=60)
        self.processes["meilisearch"] = process
        return process

    @property
    def maildir(self) -> Path:
        return self.data_dir / "mail"

    def start_mail(self) -> ManagedProcess:
        """A local SMTP server that keeps every message it receives in a Maildir
        (var/mail): letters can be read there, and nothing leaves the machine."""
        mailbox.Maildir(self.maildir, create=True)
        argv = [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"{HOST}:{self.ports.smtp}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(self.maildir),
        ]
        process = self.supervisor.start("mail", argv)
        self.supervisor.wait_for_port(process, HOST, self.ports.smtp, timeout=30)
        self.processes["mail"] = process
        return process

    def start_service(self, name: str, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        process = self.supervisor.start(
            name, [sys.executable, "-m", f"services.{name}"], {**self.env(), **(extra_env or {})}
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.grpc[name], timeout=90)
        self.processes[name] = process
        return process

    def start_worker(self, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        process = self.supervisor.start(
            "worker",
            [sys.executable, "-m", "workflows.worker"],
            {**self.env(), **(extra_env or {})},
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.metrics["worker"], timeout=90)
        self.processes["worker"] = process
        return process

    def start_all(self) -> None:
        self.check_ports_free()
        self.start_temporal()
        self.start_meilisearch()
        self.start_mail()
        for name in SERVICES:
            self.start_service(name)
        self.start_worker()

    def stop(self) -> None:
        self.supervisor.stop_all()
        self.processes.clear()

    def table(self) -> str:
        rows = [
            ("Temporal UI", f"http://{HOST}:{self.ports.temporal_ui}"),
            ("Temporal frontend", f"{HOST}:{self.ports.temporal}"),
            ("Meilisearch", f"http://{HOST}:{self.ports.meilisearch}"),
            ("mail (SMTP)", f"{HOST}:{self.ports.smtp}, kept in {self.maildir}"),
            *((f"{n} gRPC", self.address(n)) for n in SERVICES),
            *((f"{n} metrics", f"http://{HOST}:{self.ports.metrics[n]}/metrics") for n in SERVICES),
            ("worker metrics", f"http://{HOST}:{self.ports.metrics['worker']}/metrics"),
            ("worker SDK metrics", f"http://{HOST}:{self.ports.metrics['worker_sdk']}/metrics"),
            ("database", self.database_url),
            ("API keys", str(self.data_dir / "api-keys.txt")),
            ("logs", str(self.supervisor.log_dir)),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"  {name.ljust(width)}  {where}" for name, where in rows]
        pids = ", ".join(f"{n}={p.pid}" for n, p in self.processes.items())
        return "\n".join(["Redress is running:", *lines, f"  processes: {pids}"])
