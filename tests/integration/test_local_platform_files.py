"""The local platform keeps its secrets to its owner: no key on a command line
any user can read, data directories 0700 and files 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from redress.devstack.platform import LocalPlatform, Ports


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    parent = tmp_path_factory.mktemp("private")
    data = parent / "var"
    data.mkdir(mode=0o755)  # made before, open to all: the platform closes it
    platform = LocalPlatform(data, Ports.free())
    try:
        platform.start_temporal(persist=True, ui=False)
        platform.start_meilisearch()
        platform.start_service("cases")
        yield platform
    finally:
        platform.stop()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_no_secret_is_on_a_command_line(local: LocalPlatform) -> None:
    secrets = [
        local.credentials.meilisearch_key,
        local.credentials.admin_key,
        local.credentials.service_key,
        local.credentials.intake_key,
    ]
    for process in local.processes.values():
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in secrets:
            assert secret not in argv, process.name


def test_the_data_is_its_owners_alone(local: LocalPlatform) -> None:
    data = local.data_dir
    assert (data / "redress.db").exists() and (data / "temporal.db").exists()
    open_to_others = []
    for path in [data, *data.rglob("*")]:
        if path.is_symlink():
            continue
        if mode(path) & 0o077:
            open_to_others.append(f"{path.relative_to(data.parent)} {oct(mode(path))}")
    assert not open_to_others
