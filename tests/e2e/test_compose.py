"""The production topology (docker-compose.yml), checked with `docker-compose config`.

No Docker engine is needed: Debian's docker-compose (v1, /usr/bin/docker-compose)
resolves and validates the file, interpolating variables from an env file the
test writes. `make test` installs it.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from redress.platform.search_attributes import CLI_TYPES
from services.reporting.metrics import metric_names as business_metric_names

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
NAMESPACE_SCRIPT = ROOT / "deploy" / "temporal" / "setup-namespace.sh"
DOCKERFILE = ROOT / "Dockerfile"
DOCKER_COMPOSE = Path("/usr/bin/docker-compose")

# Values for the secrets the compose file requires.
SECRETS = {
    "POSTGRES_PASSWORD": "test-postgres-superuser",
    "REDRESS_DB_PASSWORD": "test-redress-db",
    "TEMPORAL_DB_PASSWORD": "test-temporal-db",
    "REDRESS_MEILISEARCH_KEY": "test-meilisearch-master-key",
    "REDRESS_SERVICE_API_KEY": "test-service-key",
    "GRAFANA_ADMIN_PASSWORD": "test-grafana-admin",
    # Required settings of services/followup (not secrets, but no default fits).
    "REDRESS_SMTP_HOST": "smtp.relay.test",
    "REDRESS_MAIL_FROM": "complaints@bank.test",
    "REDRESS_FIRM_NAME": "Test Bank",
    "REDRESS_FIRM_COMPLAINTS_EMAIL": "complaints@bank.test",
}

SERVICES = ("intake", "cases", "followup", "knowledge", "reporting")
COMMANDS = {
    **{name: f"python -m services.{name}" for name in SERVICES},
    "worker": "python -m workflows.worker",
    "console": "python -m services.console",
    "http": "python -m services.gateway",
    "social": "python -m services.intake.social",
    "webform": "python -m services.intake.webform",
    "migrate": "python -m redress.db upgrade",
}
GRPC_PORTS = {
    "intake": 50051,
    "cases": 50052,
    "followup": 50053,
    "knowledge": 50054,
    "reporting": 50055,
}
METRICS_PORTS = {
    "intake": 9101,
    "cases": 9102,
    "followup": 9103,
    "knowledge": 9104,
    "reporting": 9105,
    "worker": 9106,
    "console": 9108,
    "http": 9109,
    "social": 9110,
    "webform": 9111,
}
WORKER_SDK_METRICS_PORT = 9107

USES_DATABASE = ("migrate", "cases", "followup", "knowledge", "reporting")
USES_TEMPORAL = ("intake", "cases", "followup", "reporting", "worker")


def docker_compose(
    tmp_path: Path, values: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    if not DOCKER_COMPOSE.exists():
        pytest.fail(
            f"{DOCKER_COMPOSE} is missing: the compose file is validated with Debian's "
            "docker-compose. Run `make test`, which installs it "
            "(apt-get install docker-compose)."
        )
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    # A clean environment: neither the caller's variables nor a local .env may
    # supply what the env file leaves out.
    return subprocess.run(
        [str(DOCKER_COMPOSE), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = docker_compose(tmp_path_factory.mktemp("compose"), SECRETS, "config")
    assert result.returncode == 0, result.stderr
    parsed = yaml.safe_load(result.stdout)
    assert isinstance(parsed, dict)
    return parsed


def service(config: dict[str, Any], name: str) -> dict[str, Any]:
    assert name in config["services"], f"service {name} is missing from docker-compose.yml"
    return config["services"][name]


def environment(config: dict[str, Any], name: str) -> dict[str, str]:
    env = service(config, name).get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def command(config: dict[str, Any], name: str) -> list[str]:
    cmd = service(config, name).get("command")
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd or [])


def compose_source() -> str:
    """docker-compose.yml without its comment lines."""
    lines = COMPOSE_FILE.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#"))


def required_messages() -> dict[str, set[str]]:
    """The `${NAME:?message}` messages of the compose file, by variable."""
    messages: dict[str, set[str]] = {}
    for name, message in re.findall(r"\$\{([A-Z0-9_]+):\?([^}]*)\}", compose_source()):
        messages.setdefault(name, set()).add(message)
    return messages


def test_config_is_valid_without_warnings(tmp_path: Path) -> None:
    result = docker_compose(tmp_path, SECRETS, "config", "-q")
    assert result.returncode == 0, result.stderr
    # e.g. 'The "X" variable is not set. Defaulting to a blank string.'
    assert "WARNING" not in result.stderr, result.stderr


def test_every_process_runs_its_command_from_the_one_image(config: dict[str, Any]) -> None:
    images = set()
    for name, expected in COMMANDS.items():
        assert command(config, name) == shlex.split(expected), name
        images.add(service(config, name)["image"])
        assert service(config, name).get("build"), f"{name} has no build section"
    assert len(images) == 1, f"the Redress processes use different images: {images}"


def test_processes_get_the_settings_they_need(config: dict[str, Any]) -> None:
    for name in USES_DATABASE:
        env = environment(config, name)
        url = env.get("REDRESS_DATABASE_URL", "")
        assert url == (
            f"postgresql+psycopg://redress:{SECRETS['REDRESS_DB_PASSWORD']}@postgresql:5432/redress"
        ), name
        assert env.get("REDRESS_MIGRATE_ON_START") == "false", name
    for name in USES_TEMPORAL:
        env = environment(config, name)
        assert env.get("REDRESS_TEMPORAL_ADDRESS") == "temporal:7233", name
        assert env.get("REDRESS_TEMPORAL_NAMESPACE") == "default", name
        assert env.get("REDRESS_TASK_QUEUE") == "redress-complaints", name
    # The database password goes only where the database is used.
    for name in ("intake", "worker"):
        assert "REDRESS_DATABASE_URL" not in environment(config, name), name

    for name in (*SERVICES, "worker"):
        env = environment(config, name)
        assert env.get("REDRESS_LOG_FORMAT") == "json", name
        assert env.get("REDRESS_LOG_LEVEL") == "info", name
        for other, port in GRPC_PORTS.items():
            assert env.get(f"REDRESS_{other.upper()}_ADDRESS") == f"{other}:{port}", name
    for name, port in GRPC_PORTS.items():
        env = environment(config, name)
        assert env.get(f"REDRESS_{name.upper()}_LISTEN") == f"0.0.0.0:{port}", name
        assert env.get(f"REDRESS_{name.upper()}_METRICS_LISTEN") == (
            f"0.0.0.0:{METRICS_PORTS[name]}"
        ), name

    worker = environment(config, "worker")
    assert worker.get("REDRESS_SERVICE_API_KEY") == SECRETS["REDRESS_SERVICE_API_KEY"]
    followup = config["services"]["followup"]["environment"]
    assert followup.get("REDRESS_SERVICE_API_KEY") == SECRETS["REDRESS_SERVICE_API_KEY"]
    assert followup.get("REDRESS_SMTP_HOST") == "smtp.relay.test"
    assert followup.get("REDRESS_SMTP_SECURITY") == "starttls"
    assert worker.get("REDRESS_WORKER_METRICS_LISTEN") == f"0.0.0.0:{METRICS_PORTS['worker']}"
    assert worker.get("REDRESS_WORKER_SDK_METRICS_LISTEN") == f"0.0.0.0:{WORKER_SDK_METRICS_PORT}"

    knowledge = environment(config, "knowledge")
    assert knowledge.get("REDRESS_MEILISEARCH_URL") == "http://meilisearch:7700"
    assert knowledge.get("REDRESS_MEILISEARCH_KEY") == SECRETS["REDRESS_MEILISEARCH_KEY"]
    assert (
        environment(config, "meilisearch").get("MEILI_MASTER_KEY")
        == SECRETS["REDRESS_MEILISEARCH_KEY"]
    )


def test_grpc_services_read_the_mounted_api_keys_and_report_health(config: dict[str, Any]) -> None:
    for name, port in GRPC_PORTS.items():
        keys_file = environment(config, name).get("REDRESS_API_KEYS_FILE")
        assert keys_file, name
        mounts = [str(v) for v in service(config, name).get("volumes", [])]
        expected = f"{ROOT / 'deploy' / 'api-keys.txt'}:{keys_file}:ro"
        assert expected in mounts, f"{name}: {mounts}"
        test = service(config, name)["healthcheck"]["test"]
        assert test == ["CMD", "python", "-m", "redress.healthcheck", f"127.0.0.1:{port}"], name


def test_migrations_run_once_before_the_processes_that_use_the_database(
    config: dict[str, Any],
) -> None:
    migrate = service(config, "migrate")
    assert migrate["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert migrate.get("restart") in ("no", None)
    for name in USES_DATABASE[1:]:
        depends = service(config, name)["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name


def test_temporal_runs_on_postgresql_after_its_schema_job(config: dict[str, Any]) -> None:
    temporal = service(config, "temporal")
    assert temporal["image"].startswith("temporalio/server:")
    assert temporal["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    env = environment(config, "temporal")
    assert env["DB"] == "postgres12" and env["POSTGRES_SEEDS"] == "postgresql"
    assert env["POSTGRES_PWD"] == SECRETS["TEMPORAL_DB_PASSWORD"]
    assert service(config, "temporal-schema")["image"].startswith("temporalio/admin-tools:")
    ui = service(config, "temporal-ui")
    assert ui["image"].startswith("temporalio/ui:")
    assert any(
        str(p).endswith(":8080:8080/tcp") or str(p).endswith(":8080:8080") for p in ui["ports"]
    ), ui["ports"]
    for name in USES_TEMPORAL:
        depends = service(config, name)["depends_on"]
        assert depends["temporal-setup"]["condition"] == "service_completed_successfully", name


def test_search_attributes_registered_match_the_workflow_code(config: dict[str, Any]) -> None:
    script = NAMESPACE_SCRIPT.read_text()
    block = re.search(r"<<'LIST'\n(.*?)\nLIST\n", script, re.S)
    assert block, "no search attribute list in setup-namespace.sh"
    registered = dict(line.split() for line in block.group(1).splitlines() if line.strip())
    assert registered == CLI_TYPES
    assert "temporal operator search-attribute create --namespace" in script

    setup = service(config, "temporal-setup")
    assert setup["depends_on"]["temporal"]["condition"] == "service_healthy"
    mounted = [
        str(v).split(":")[1]
        for v in setup.get("volumes", [])
        if str(v).startswith(str(NAMESPACE_SCRIPT))
    ]
    assert mounted and mounted[0] in setup["entrypoint"], setup
    assert environment(config, "temporal-setup")["NAMESPACE"] == "default"


def test_prometheus_scrapes_every_metrics_port(config: dict[str, Any]) -> None:
    prometheus = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    targets = {
        target
        for job in prometheus["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    expected = {f"{name}:{port}" for name, port in METRICS_PORTS.items()}
    expected.add(f"worker:{WORKER_SDK_METRICS_PORT}")
    assert expected <= targets, f"not scraped: {sorted(expected - targets)}"

    # The ports scraped are the ports the processes listen on.
    for name, port in METRICS_PORTS.items():
        variable = f"REDRESS_{name.upper()}_METRICS_LISTEN"
        assert environment(config, name)[variable].endswith(f":{port}"), name
    mounts = [str(v) for v in service(config, "prometheus")["volumes"]]
    assert f"{PROMETHEUS_CONFIG}:/etc/prometheus/prometheus.yml:ro" in mounts


def test_grafana_shows_the_dashboard_over_prometheus_with_metrics_that_exist(
    config: dict[str, Any],
) -> None:
    grafana = ROOT / "deploy" / "grafana"
    mounts = [str(v) for v in service(config, "grafana")["volumes"]]
    assert f"{grafana / 'provisioning'}:/etc/grafana/provisioning:ro" in mounts
    assert f"{grafana / 'dashboards'}:/var/lib/grafana/dashboards:ro" in mounts
    source = yaml.safe_load(
        (grafana / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    (datasource,) = source["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    dashboard = json.loads((grafana / "dashboards" / "redress.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b(redress_[a-z_]+)", target["expr"])
        if (panel["datasource"]["uid"] == datasource["uid"])
    }
    # Every series the dashboard asks for is one a Redress process exports.
    exported = set(business_metric_names())
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("redress/platform/*.py")]:
        for name in re.findall(r'"(redress_[a-z_]+)"', path.read_text()):
            exported |= {name, f"{name}_total", f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    assert used and used <= exported, f"not exported: {sorted(used - exported)}"


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_a_missing_secret_stops_compose_with_its_message(tmp_path: Path, missing: str) -> None:
    values = {k: v for k, v in SECRETS.items() if k != missing}
    result = docker_compose(tmp_path, values, "config")
    assert result.returncode != 0, f"config succeeded without {missing}"
    messages = required_messages().get(missing)
    assert messages, f"{missing} is not written ${{{missing}:?message}} in docker-compose.yml"
    assert any(message in result.stderr for message in messages), result.stderr
    # The failure names the variable; it never echoes another secret's value.
    for value in values.values():
        assert value not in result.stderr


def test_env_example_documents_every_variable_and_sets_no_secret(tmp_path: Path) -> None:
    text = ENV_EXAMPLE.read_text()
    documented = dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", text, re.M))
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", compose_source()))
    assert used <= set(documented), f"not in env.example: {sorted(used - set(documented))}"
    for name in SECRETS:
        assert documented.get(name) == "", f"env.example must leave {name} empty"
    # Copied unchanged, it refuses to start instead of running with blank secrets.
    result = docker_compose(tmp_path, documented, "config", "-q")
    assert result.returncode != 0


def test_image_runs_as_a_non_root_user_and_installs_the_project() -> None:
    lines = [
        line.strip()
        for line in DOCKERFILE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert any(
        re.match(r"FROM python:3\.11-slim|ARG PYTHON_IMAGE=python:3\.11-slim", line)
        for line in lines
    )
    assert any("pip install ." in line for line in lines)
    users = [line.split(None, 1)[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert not any(
        "services." in line or "workflows." in line
        for line in lines
        if line.startswith(("CMD", "ENTRYPOINT"))
    )


def test_the_console_is_published_and_reaches_the_services_over_grpc(
    config: dict[str, Any],
) -> None:
    console = service(config, "console")
    env = environment(config, "console")
    assert env["REDRESS_CONSOLE_LISTEN"] == "0.0.0.0:8090"
    for name in ("cases", "followup", "knowledge", "reporting"):
        assert env[f"REDRESS_{name.upper()}_ADDRESS"] == f"{name}:{GRPC_PORTS[name]}"
        assert name in console["depends_on"]
    # It holds no database URL: everything it shows comes through the APIs.
    assert "REDRESS_DATABASE_URL" not in env
    assert env["REDRESS_API_KEYS_FILE"] == "/etc/redress/api-keys.txt"
    assert env["REDRESS_WORKFLOW_LINK"].endswith("/workflows/{workflow_id}")
    assert any(
        str(p).endswith(":8090:8090") or str(p).endswith(":8090:8090/tcp") for p in console["ports"]
    ), console["ports"]
