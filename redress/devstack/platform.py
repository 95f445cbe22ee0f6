"""The whole platform on one machine: servers, services and worker as child processes.

`make run` uses it with the default ports and ./var; the tests use it with
free ports and a scratch directory.
"""

from __future__ import annotations

import mailbox
import os
import secrets
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from redress.devstack import binaries
from redress.devstack.processes import ManagedProcess, Supervisor, free_ports, port_in_use
from redress.platform.search_attributes import CLI_TYPES

SERVICES = ("cases", "intake", "followup", "knowledge", "reporting")
HOST = "127.0.0.1"
# The staff directory a new data directory starts with (var/staff.yaml):
# the people of README's "Trying each role", their e-mail kept in var/mail.
LOCAL_STAFF = Path(__file__).with_name("staff.yaml")
# The sources the local social adapter has a webhook secret for at first.
LOCAL_SOCIAL_SOURCES = ("twitter", "livechat")
KEYS_HEADER = (
    "# API keys of the local platform: <key> <principal> <roles>\n"
    "# Add your own lines (README, 'Trying each role'); they are kept at every start.\n"
)
# Processes with a metrics port beside the gRPC services.
# The embedded Temporal server's settings. Its history service has one
# shard, and each of the shard's task queues reads new tasks at most
# `*MaxPollRPS` times a second (20 by default): with one shard, a workflow or
# activity task then waited up to 50 ms before any worker could have it, which
# was most of a complaint's answer at one caller (bench/intake_throughput.py).
# A production server spreads tasks over many shards (docker-compose: 128).
TEMPORAL_DEV_SETTINGS = (
    "history.shardIOConcurrency=8",
    "history.transferProcessorMaxPollRPS=1000",
    "history.timerProcessorMaxPollRPS=1000",
    "history.visibilityProcessorMaxPollRPS=1000",
    # The worker runs an activity its workflow task just scheduled on its
    # own task queue at once, instead of by a second trip through matching.
    "system.enableActivityEagerExecution=true",
)

WEB_PROCESSES = ("worker", "worker_sdk", "console", "http", "social", "webform")


@dataclass
class Ports:
    temporal: int = 7233
    temporal_ui: int = 8233
    meilisearch: int = 7700
    smtp: int = 1025
    reports_http: int = 8095
    console: int = 8090
    # The HTTP/JSON gateway (services/gateway).
    http: int = 8096
    # The local mailbox to send complaints to (services/intake/mailbox, SMTP).
    complaints_mail: int = 2525
    # The social media and chat webhooks (services/intake/social).
    social: int = 8097
    # The public complaint form and status pages (services/intake/webform).
    webform: int = 8098
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
            "console": 9108,
            "http": 9109,
            "social": 9110,
            "webform": 9111,
        }
    )

    @classmethod
    def free(cls) -> Ports:
        """Free ports, all different."""
        names = [f"metrics:{n}" for n in (*SERVICES, *WEB_PROCESSES)]
        names += [f"grpc:{n}" for n in SERVICES]
        names += [
            "temporal",
            "temporal_ui",
            "meilisearch",
            "smtp",
            "reports_http",
            "console",
            "http",
            "complaints_mail",
            "social",
            "webform",
        ]
        chosen = dict(zip(names, free_ports(len(names), HOST), strict=True))
        return cls(
            temporal=chosen["temporal"],
            temporal_ui=chosen["temporal_ui"],
            meilisearch=chosen["meilisearch"],
            smtp=chosen["smtp"],
            reports_http=chosen["reports_http"],
            console=chosen["console"],
            http=chosen["http"],
            complaints_mail=chosen["complaints_mail"],
            social=chosen["social"],
            webform=chosen["webform"],
            grpc={n: chosen[f"grpc:{n}"] for n in SERVICES},
            metrics={n: chosen[f"metrics:{n}"] for n in (*SERVICES, *WEB_PROCESSES)},
        )

    def all(self) -> dict[str, int]:
        return {
            "temporal": self.temporal,
            "temporal UI": self.temporal_ui,
            "meilisearch": self.meilisearch,
            "mail (SMTP)": self.smtp,
            "reports (HTTP)": self.reports_http,
            "console (HTTP)": self.console,
            "HTTP/JSON": self.http,
            "complaints mailbox (SMTP)": self.complaints_mail,
            "social webhooks": self.social,
            "web form": self.webform,
            **{f"{n} gRPC": p for n, p in self.grpc.items()},
            **{f"{n} metrics": p for n, p in self.metrics.items()},
        }


@dataclass(frozen=True)
class Credentials:
    admin_key: str
    service_key: str
    intake_key: str
    meilisearch_key: str
    # The social and chat adapter's own key (role channel_adapter).
    social_key: str = ""
    # The public web form's own key (role web_form).
    webform_key: str = ""


def ensure_credentials(data_dir: Path) -> Credentials:
    """Keys for the local platform, made once and kept in the data directory (mode 0600)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The directory holds the keys, the databases and the search index: its
    # owner's alone, also when it was made before (by an older version).
    data_dir.chmod(0o700)
    path = data_dir / "credentials"
    if not path.exists():
        values = {
            "admin": secrets.token_hex(24),
            "service": secrets.token_hex(24),
            "intake": secrets.token_hex(24),
            "meilisearch": secrets.token_hex(24),
        }
        write_private(path, "".join(f"{k}={v}\n" for k, v in values.items()))
    values = dict(line.split("=", 1) for line in path.read_text().split())
    added = [name for name in ("social", "webform") if name not in values]
    for name in added:
        # A data directory made before this adapter: its key is added.
        values[name] = secrets.token_hex(24)
    if added:
        write_private(path, "".join(f"{k}={v}\n" for k, v in values.items()))
    creds = Credentials(
        values["admin"],
        values["service"],
        values["intake"],
        values["meilisearch"],
        values["social"],
        values["webform"],
    )
    keep_platform_keys(data_dir / "api-keys.txt", creds)
    write_private(data_dir / "admin.key", creds.admin_key + "\n")
    staff = data_dir / "staff.yaml"
    if not staff.exists():
        write_private(staff, LOCAL_STAFF.read_text(encoding="utf-8"))
    # Seals the audit trails; kept beside, never in, the database.
    # Signs the links to the customers' status pages in their letters.
    status_link_key = data_dir / "status-link.key"
    if not status_link_key.exists():
        write_private(status_link_key, secrets.token_hex(32) + "\n")
    audit_key = data_dir / "audit.key"
    if not audit_key.exists():
        write_private(audit_key, secrets.token_hex(32) + "\n")
    # One webhook secret a source, for trying the social adapter locally
    # (README, "Social media and chat"); lines added by hand are kept.
    social_secrets = data_dir / "social-secrets.txt"
    if not social_secrets.exists():
        write_private(
            social_secrets,
            "# <source> <secret>: one HMAC-SHA256 secret a platform (docs/social.md)\n"
            + "".join(f"{s} {secrets.token_hex(24)}\n" for s in LOCAL_SOCIAL_SOURCES),
        )
    return creds


def keep_platform_keys(path: Path, creds: Credentials) -> None:
    """Writes the platform's own keys into the keys file, keeping every
    other line: keys a person added (an agent, a team lead, a manager to try)
    outlive restarts. Written at all only when the platform's lines changed."""
    ours = {
        "local-admin": f"{creds.admin_key} local-admin administrator",
        "redress-worker": f"{creds.service_key} redress-worker service",
        "local-intake": f"{creds.intake_key} local-intake intake_client",
        "social-adapter": f"{creds.social_key} social-adapter channel_adapter",
        "web-form": f"{creds.webform_key} web-form web_form",
    }
    before = path.read_text(encoding="utf-8") if path.exists() else KEYS_HEADER
    kept = [
        line
        for line in before.splitlines()
        if len(line.split()) < 2 or line.lstrip().startswith("#") or line.split()[1] not in ours
    ]
    after = "\n".join([*kept, *ours.values()]) + "\n"
    if after != before or (path.stat().st_mode & 0o077):
        write_private(path, after)


def write_private(path: Path, text: str) -> None:
    """Writes `text` to a file only its owner may read, never readable in between."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def replica_name(name: str, replica: int) -> str:
    """A process's name: the first replica of a service or worker goes by the
    service's name, the others by "<name>-<replica>"."""
    if replica < 1:
        raise ValueError(f"replicas count from 1, not {replica}")
    return name if replica == 1 else f"{name}-{replica}"


def start_on_own_ports(
    supervisor: Supervisor,
    process_name: str,
    service: str,
    env: Mapping[str, str],
    module: str = "",
    also: Sequence[str] = (),
    timeout: float = 90,
) -> tuple[ManagedProcess, dict[str, str]]:
    """Starts a process of `service` (`module`, services.<service> unless
    given) beside a platform's, with `env`, on free ports of its own: its
    gRPC or HTTP listener, its metrics, and one for each variable in `also`
    (another listener of it). Returns the process and the address each
    variable was given ("REDRESS_<SERVICE>_LISTEN", ...)."""
    names = [
        f"REDRESS_{service.upper()}_LISTEN",
        f"REDRESS_{service.upper()}_METRICS_LISTEN",
        *also,
    ]

    def placed(ports: list[int]) -> dict[str, str]:
        return {**env, **{n: f"{HOST}:{port}" for n, port in zip(names, ports, strict=True)}}

    process, ports = supervisor.start_on_free_ports(
        process_name,
        [sys.executable, "-m", module or f"services.{service}"],
        placed,
        count=len(names),
        listen=range(len(names)),
        host=HOST,
        timeout=timeout,
    )
    return process, {n: f"{HOST}:{port}" for n, port in zip(names, ports, strict=True)}


class LocalPlatform:
    def __init__(
        self,
        data_dir: Path,
        ports: Ports | None = None,
        database_url: str | None = None,
        log_format: str = "json",
        workers: int = 1,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.ports = ports or Ports()
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'redress.db'}"
        self.supervisor = Supervisor(self.data_dir / "logs")
        self.credentials = ensure_credentials(self.data_dir)
        self.log_format = log_format
        self.processes: dict[str, ManagedProcess] = {}
        # How many worker processes start_all starts (REDRESS_WORKERS for `make run`).
        self.workers = workers
        # The ports of the second and later replicas of a service or worker,
        # by process name (e.g. "followup-2": {"grpc": ..., "metrics": ...}).
        self.replica_ports: dict[str, dict[str, int]] = {}

    def address(self, service: str, replica: int = 1) -> str:
        """The gRPC address of a service's first replica, or of `replica` (1, 2, ...)."""
        if replica == 1:
            return f"{HOST}:{self.ports.grpc[service]}"
        return f"{HOST}:{self._replica_ports(replica_name(service, replica))['grpc']}"

    def _replica_ports(self, name: str) -> dict[str, int]:
        """The ports of a second or later replica, chosen once and kept, so
        that a replica restarted under its name listens where it did."""
        if name not in self.replica_ports:
            taken = set(self.ports.all().values()) | {
                port for ports in self.replica_ports.values() for port in ports.values()
            }
            kinds = ("grpc", "metrics", "sdk_metrics", "http")
            chosen = dict(zip(kinds, free_ports(len(kinds), HOST, taken), strict=True))
            self.replica_ports[name] = chosen
        return self.replica_ports[name]

    def env(self) -> dict[str, str]:
        env = {
            "REDRESS_DATA_DIR": str(self.data_dir),
            "REDRESS_DATABASE_URL": self.database_url,
            "REDRESS_API_KEYS_FILE": str(self.data_dir / "api-keys.txt"),
            # Whom staff alerts and digests reach; the local mail server keeps them.
            "REDRESS_STAFF_FILE": str(self.data_dir / "staff.yaml"),
            "REDRESS_SERVICE_API_KEY": self.credentials.service_key,
            "REDRESS_TEMPORAL_ADDRESS": f"{HOST}:{self.ports.temporal}",
            "REDRESS_MEILISEARCH_URL": f"http://{HOST}:{self.ports.meilisearch}",
            "REDRESS_MEILISEARCH_KEY": self.credentials.meilisearch_key,
            "REDRESS_LOG_FORMAT": self.log_format,
            "REDRESS_SMTP_HOST": HOST,
            "REDRESS_SMTP_PORT": str(self.ports.smtp),
            "REDRESS_REPORTS_HTTP_LISTEN": f"{HOST}:{self.ports.reports_http}",
            # Staff alerts link to the case in the console; the console links
            # each case to its workflow in the Temporal UI.
            "REDRESS_CASE_LINK": f"http://{HOST}:{self.ports.console}/cases/{{case_id}}",
            "REDRESS_WORKFLOW_LINK": f"http://{HOST}:{self.ports.temporal_ui}/namespaces/default"
            "/workflows/{workflow_id}",
            "REDRESS_WORKER_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['worker']}",
            "REDRESS_WORKER_SDK_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['worker_sdk']}",
            "REDRESS_CONSOLE_LISTEN": f"{HOST}:{self.ports.console}",
            "REDRESS_CONSOLE_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['console']}",
            "REDRESS_HTTP_LISTEN": f"{HOST}:{self.ports.http}",
            "REDRESS_HTTP_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['http']}",
            "REDRESS_SOCIAL_LISTEN": f"{HOST}:{self.ports.social}",
            "REDRESS_SOCIAL_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['social']}",
            "REDRESS_SOCIAL_SECRETS_FILE": str(self.data_dir / "social-secrets.txt"),
            # The letters link to the customer's status page on the local web
            # form; the case and follow-up services check those links.
            "REDRESS_STATUS_LINK_SECRET_FILE": str(self.data_dir / "status-link.key"),
            "REDRESS_WEBFORM_PUBLIC_URL": self.webform_url.rstrip("/"),
            "REDRESS_WEBFORM_LISTEN": f"{HOST}:{self.ports.webform}",
            "REDRESS_WEBFORM_METRICS_LISTEN": f"{HOST}:{self.ports.metrics['webform']}",
            "PYTHONUNBUFFERED": "1",
        }
        # An audit key given to the platform's own process (the tests give
        # one) is passed on; otherwise the data directory's is used.
        if not (os.environ.get("REDRESS_AUDIT_KEY") or os.environ.get("REDRESS_AUDIT_KEY_FILE")):
            env["REDRESS_AUDIT_KEY_FILE"] = str(self.data_dir / "audit.key")
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
        ]
        for setting in TEMPORAL_DEV_SETTINGS:
            argv += ["--dynamic-config-value", setting]
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
            "--no-analytics",
            "--env",
            "development",
        ]
        # The master key by environment, not argv: any user of the machine can
        # read a process's arguments (`ps`), not its environment.
        process = self.supervisor.start(
            "meilisearch", argv, {"MEILI_MASTER_KEY": self.credentials.meilisearch_key}
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.meilisearch, timeout=60)
        self.processes["meilisearch"] = process
        return process

    @property
    def maildir(self) -> Path:
        return self.data_dir / "mail"

    def start_mail(self, stall_after_data: bool = False) -> ManagedProcess:
        """A local SMTP server that keeps every message it receives in a Maildir
        (var/mail): letters can be read there, and nothing leaves the machine.

        With `stall_after_data` (tests only), it reads each message and then
        neither answers nor keeps it until it is stopped: a relay that dies
        mid-send (redress.devstack.mail.StallingMailbox)."""
        mailbox.Maildir(self.maildir, create=True)
        handler = (
            "redress.devstack.mail.StallingMailbox"
            if stall_after_data
            else "aiosmtpd.handlers.Mailbox"
        )
        argv = [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"{HOST}:{self.ports.smtp}",
            "-c",
            handler,
            str(self.maildir),
        ]
        process = self.supervisor.start("mail", argv)
        self.supervisor.wait_for_port(process, HOST, self.ports.smtp, timeout=30)
        self.processes["mail"] = process
        return process

    def start_service(
        self, name: str, extra_env: dict[str, str] | None = None, replica: int = 1
    ) -> ManagedProcess:
        """Starts a service; `replica` 2, 3, ... starts another process of it
        on ports of its own, against the same database and Temporal, kept
        under the name "<service>-<replica>" (its log is logs/<that>.log)."""

        def placed() -> tuple[dict[str, str], list[int]]:
            env = {**self.env(), **(extra_env or {})}
            if replica == 1:
                return env, [self.ports.grpc[name], self.ports.metrics[name]]
            ports = self._replica_ports(replica_name(name, replica))
            env[f"REDRESS_{name.upper()}_LISTEN"] = f"{HOST}:{ports['grpc']}"
            env[f"REDRESS_{name.upper()}_METRICS_LISTEN"] = f"{HOST}:{ports['metrics']}"
            # Reporting's own HTTP listener (saved reports' downloads).
            env["REDRESS_REPORTS_HTTP_LISTEN"] = f"{HOST}:{ports['http']}"
            return env, [ports["grpc"], ports["metrics"]]

        return self._start_listening(
            replica_name(name, replica), [sys.executable, "-m", f"services.{name}"], placed
        )

    def start_worker(
        self, extra_env: dict[str, str] | None = None, replica: int = 1
    ) -> ManagedProcess:
        """Starts a worker process; `replica` 2, 3, ... starts another one on
        the same task queue with metrics ports of its own ("worker-2", ...)."""

        def placed() -> tuple[dict[str, str], list[int]]:
            env = {**self.env(), **(extra_env or {})}
            if replica == 1:
                return env, [self.ports.metrics["worker"]]
            ports = self._replica_ports(replica_name("worker", replica))
            env["REDRESS_WORKER_METRICS_LISTEN"] = f"{HOST}:{ports['metrics']}"
            env["REDRESS_WORKER_SDK_METRICS_LISTEN"] = f"{HOST}:{ports['sdk_metrics']}"
            return env, [ports["metrics"]]

        return self._start_listening(
            replica_name("worker", replica), [sys.executable, "-m", "workflows.worker"], placed
        )

    def _start_listening(
        self,
        process_name: str,
        argv: list[str],
        placed: Callable[[], tuple[dict[str, str], list[int]]],
    ) -> ManagedProcess:
        """Starts a process where `placed` says, waiting for its own
        listeners. A port taken meanwhile by another process: a replica's
        ports are chosen again; the platform's own are asked for again a
        moment later (a port can be held for a moment as the local end of a
        connection)."""

        def taken(attempt: int) -> None:
            if process_name in self.replica_ports:
                del self.replica_ports[process_name]
            else:
                time.sleep(attempt)

        process = self.supervisor.start_listening(
            process_name, argv, placed, HOST, timeout=90, taken=taken
        )
        self.processes[process_name] = process
        return process

    def kill(self, name: str) -> ManagedProcess:
        """Kills one process by its name ("followup-2", "worker"), at once and
        without warning (SIGKILL), as a crash or an out-of-memory kill would."""
        process = self.processes.pop(name)
        process.popen.kill()
        process.popen.wait()
        self.supervisor.stop(process)
        return process

    def start_console(self, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        process = self.supervisor.start(
            "console",
            [sys.executable, "-m", "services.console"],
            {**self.env(), **(extra_env or {})},
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.console, timeout=60)
        self.processes["console"] = process
        return process

    def start_http(self, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        """The HTTP/JSON gateway in front of intake and the case read API."""
        process = self.supervisor.start(
            "http",
            [sys.executable, "-m", "services.gateway"],
            {**self.env(), **(extra_env or {})},
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.http, timeout=60)
        self.processes["http"] = process
        return process

    def start_complaints_mailbox(self) -> ManagedProcess:
        """The e-mail channel's adapter, taking mail sent to a local SMTP port:
        the mailbox to send complaints to when trying Redress locally. What
        arrives is kept in a Maildir (inbound-mail) by what became of it."""
        env = {
            **self.env(),
            "REDRESS_MAILBOX_LISTEN": f"{HOST}:{self.ports.complaints_mail}",
            "REDRESS_MAILBOX_SPOOL": str(self.data_dir / "inbound-mail"),
            "REDRESS_MAILBOX_API_KEY": self.credentials.intake_key,
        }
        process = self.supervisor.start(
            "mailbox", [sys.executable, "-m", "services.intake.mailbox"], env
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.complaints_mail, timeout=60)
        self.processes["mailbox"] = process
        return process

    def start_social(self, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        """The social media and chat webhooks (services/intake/social), with their own key."""
        process = self.supervisor.start(
            "social",
            [sys.executable, "-m", "services.intake.social"],
            {
                **self.env(),
                "REDRESS_SOCIAL_API_KEY": self.credentials.social_key,
                **(extra_env or {}),
            },
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.social, timeout=60)
        self.processes["social"] = process
        return process

    def start_webform(self, extra_env: dict[str, str] | None = None) -> ManagedProcess:
        """The public complaint form and status pages (services/intake/webform)."""
        process = self.supervisor.start(
            "webform",
            [sys.executable, "-m", "services.intake.webform"],
            {
                **self.env(),
                "REDRESS_WEBFORM_API_KEY": self.credentials.webform_key,
                **(extra_env or {}),
            },
        )
        self.supervisor.wait_for_port(process, HOST, self.ports.webform, timeout=60)
        self.processes["webform"] = process
        return process

    @property
    def webform_url(self) -> str:
        return f"http://{HOST}:{self.ports.webform}/"

    @property
    def social_url(self) -> str:
        return f"http://{HOST}:{self.ports.social}/"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.ports.http}/"

    @property
    def console_url(self) -> str:
        return f"http://{HOST}:{self.ports.console}/"

    def start_all_but_console(self) -> None:
        self.check_ports_free()
        self.start_temporal()
        self.start_meilisearch()
        self.start_mail()
        for name in SERVICES:
            self.start_service(name)
        for replica in range(1, self.workers + 1):
            self.start_worker(replica=replica)

    def start_all(self) -> None:
        self.start_all_but_console()
        self.start_http()
        self.start_complaints_mailbox()
        self.start_social()
        self.start_webform()
        self.start_console()

    def stop(self) -> None:
        self.supervisor.stop_all()
        self.processes.clear()

    def table(self) -> str:
        rows = [
            ("console", f"{self.console_url}  (sign in with the key in {self.data_dir}/admin.key)"),
            ("HTTP/JSON", f"{self.http_url}  (Connect protocol; {self.http_url}openapi.json)"),
            (
                "social webhooks",
                f"{self.social_url}social/messages, {self.social_url}chat/transcripts  "
                f"(secrets in {self.data_dir / 'social-secrets.txt'})",
            ),
            (
                "web form",
                f"{self.webform_url}  (the public complaint form; status pages by letter)",
            ),
            ("Temporal UI", f"http://{HOST}:{self.ports.temporal_ui}"),
            ("Temporal frontend", f"{HOST}:{self.ports.temporal}"),
            ("Meilisearch", f"http://{HOST}:{self.ports.meilisearch}"),
            ("mail (SMTP)", f"{HOST}:{self.ports.smtp}, kept in {self.maildir}"),
            (
                "complaints mailbox",
                f"{HOST}:{self.ports.complaints_mail} (SMTP; send a complaint by e-mail here)",
            ),
            ("reports (HTTP)", f"http://{HOST}:{self.ports.reports_http}/reports/"),
            *((f"{n} gRPC", self.address(n)) for n in SERVICES),
            *((f"{n} metrics", f"http://{HOST}:{self.ports.metrics[n]}/metrics") for n in SERVICES),
            ("worker metrics", f"http://{HOST}:{self.ports.metrics['worker']}/metrics"),
            *(
                (f"{name} metrics", f"http://{HOST}:{ports['metrics']}/metrics")
                for name, ports in self.replica_ports.items()
            ),
            ("worker SDK metrics", f"http://{HOST}:{self.ports.metrics['worker_sdk']}/metrics"),
            ("console metrics", f"http://{HOST}:{self.ports.metrics['console']}/metrics"),
            ("HTTP/JSON metrics", f"http://{HOST}:{self.ports.metrics['http']}/metrics"),
            ("social metrics", f"http://{HOST}:{self.ports.metrics['social']}/metrics"),
            ("web form metrics", f"http://{HOST}:{self.ports.metrics['webform']}/metrics"),
            ("database", self.database_url),
            ("API keys", f"{self.data_dir / 'api-keys.txt'} (add keys for other roles here)"),
            ("staff directory", str(self.data_dir / "staff.yaml")),
            ("logs", str(self.supervisor.log_dir)),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"  {name.ljust(width)}  {where}" for name, where in rows]
        pids = ", ".join(f"{n}={p.pid}" for n, p in self.processes.items())
        return "\n".join(["Redress is running:", *lines, f"  processes: {pids}"])
