"""A process with a bad configuration refuses to start and says what to fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from redress.platform.auth import ApiKeyFileError, ApiKeys
from redress.platform.serving import ServingSettings
from redress.platform.settings import Env, SettingsError


def start(module: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_bad_variable_is_named_at_once(tmp_path: Path):
    result = start(
        "services.cases",
        {
            "REDRESS_CASES_LISTEN": "localhost",
            "REDRESS_LOG_LEVEL": "loud",
            "REDRESS_MIGRATE_ON_START": "perhaps",
            "REDRESS_ATTACHMENT_MAX_BYTES": "10485760",
            "REDRESS_ATTACHMENTS_PER_CASE": "none",
            "REDRESS_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
        tmp_path,
    )
    assert result.returncode != 0
    assert "REDRESS_CASES_LISTEN='localhost': expected host:port" in result.stderr
    assert "REDRESS_LOG_LEVEL='loud': expected one of debug, info, warning, error" in result.stderr
    assert "REDRESS_MIGRATE_ON_START='perhaps': expected true or false" in result.stderr
    # A file must fit in one gRPC message with its description.
    assert "REDRESS_ATTACHMENT_MAX_BYTES=10485760: at most 7340032 (7 MiB)" in result.stderr
    assert "REDRESS_ATTACHMENTS_PER_CASE='none'" in result.stderr


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (
            "12",
            "REDRESS_HISTORY_LIMIT=12: expected 0 (continue as new when Temporal suggests it) "
            "or at least 30 events",
        ),
        ("-5", "REDRESS_HISTORY_LIMIT='-5': expected a whole number >= 0"),
        ("many", "REDRESS_HISTORY_LIMIT='many': expected a whole number >= 0"),
    ],
)
def test_intake_refuses_a_history_limit_its_workflows_cannot_keep(
    tmp_path: Path, value: str, words: str
):
    # A limit near a fresh run's own length would continue as new again and
    # again; it is refused when intake starts, not found in production.
    result = start(
        "services.intake",
        {
            "REDRESS_HISTORY_LIMIT": value,
            "REDRESS_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
        tmp_path,
    )
    assert result.returncode != 0
    assert words in result.stderr


def test_the_worker_needs_its_service_key(tmp_path: Path):
    result = start(
        "workflows.worker",
        {"REDRESS_SERVICE_API_KEY": "", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        tmp_path,
    )
    assert result.returncode != 0
    assert "REDRESS_SERVICE_API_KEY is not set" in result.stderr


def test_a_missing_api_keys_file_is_a_clear_start_up_error(tmp_path: Path):
    result = start(
        "services.reporting",
        {
            "REDRESS_API_KEYS_FILE": str(tmp_path / "nope.txt"),
            "REDRESS_REPORTING_LISTEN": "127.0.0.1:0",
            "REDRESS_REPORTING_METRICS_LISTEN": "127.0.0.1:0",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        },
        tmp_path,
    )
    assert result.returncode != 0
    assert "cannot read the API keys file" in result.stderr
    assert "REDRESS_API_KEYS_FILE" in result.stderr


def test_defaults_are_loopback_and_documented_ports():
    env = Env({})
    settings = ServingSettings.from_env("intake", 50051, 9101, env)
    env.check()
    assert settings.listen == "127.0.0.1:50051"
    assert settings.metrics_listen == "127.0.0.1:9101"


def test_settings_errors_list_each_problem():
    env = Env({"REDRESS_INTAKE_LISTEN": "0.0.0.0:99999"})
    ServingSettings.from_env("intake", 50051, 9101, env)
    with pytest.raises(SettingsError) as err:
        env.check()
    assert "REDRESS_INTAKE_LISTEN='0.0.0.0:99999'" in str(err.value)


def test_api_key_files_are_checked_line_by_line():
    keys = ApiKeys.parse(
        "# comment\n"
        "a-long-enough-secret-key agent-1 agent\n"
        f"sha256:{ApiKeys.digest('another-long-secret')} auditor-1 auditor,reporting_reader\n"
    )
    assert keys.authenticate("a-long-enough-secret-key").id == "agent-1"  # type: ignore[union-attr]
    auditor = keys.authenticate("another-long-secret")
    assert auditor is not None and auditor.roles == {"auditor", "reporting_reader"}
    assert keys.authenticate("a-long-enough-secret-kez") is None

    with pytest.raises(ApiKeyFileError) as err:
        ApiKeys.parse("short agent-1 agent\nlong-enough-secret-key x wizard\n", "keys.txt")
    assert "keys.txt:1: keys must be at least 16 characters" in str(err.value)
    assert "keys.txt:2: unknown role(s) wizard" in str(err.value)
