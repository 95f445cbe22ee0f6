"""The local platform's names and ports for replicas, and REDRESS_WORKERS."""

from __future__ import annotations

from pathlib import Path

import pytest

from redress.devstack.__main__ import workers
from redress.devstack.platform import LocalPlatform, Ports, replica_name


def test_the_first_replica_keeps_the_services_name_the_others_are_numbered() -> None:
    assert replica_name("followup", 1) == "followup"
    assert replica_name("worker", 2) == "worker-2"
    with pytest.raises(ValueError):
        replica_name("cases", 0)


def test_a_second_replica_has_ports_of_its_own_kept_for_a_restart(tmp_path: Path) -> None:
    platform = LocalPlatform(tmp_path, Ports.free())
    first = platform.address("knowledge")
    second = platform.address("knowledge", 2)
    assert first != second
    assert platform.address("knowledge", 2) == second  # the same after a restart
    worker = platform._replica_ports("worker-2")
    taken = set(platform.ports.all().values())
    ours = [p for ports in platform.replica_ports.values() for p in ports.values()]
    assert len(ours) == len(set(ours)) and not set(ours) & taken
    assert worker["metrics"] != platform.ports.metrics["worker"]


@pytest.mark.parametrize("value, expected", [("", 1), ("1", 1), ("2", 2), ("16", 16)])
def test_make_run_starts_as_many_workers_as_asked(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv("REDRESS_WORKERS", value)
    assert workers() == expected


@pytest.mark.parametrize("value", ["0", "17", "two", "-1"])
def test_a_number_of_workers_out_of_range_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("REDRESS_WORKERS", value)
    with pytest.raises(SystemExit, match="REDRESS_WORKERS"):
        workers()
