"""The policy version a case runs under, looked up once per process."""

from __future__ import annotations

from pathlib import Path

from redress.domain import policy as policy_module
from redress.domain.policy import Policy
from redress.domain.policy_versions import PolicyVersions

SHIPPED = Policy.load_default()
SHIPPED_DOCUMENT = Path(policy_module.__file__).with_name("default_policy.yaml").read_text()


def test_a_published_version_is_read_once_and_an_unknown_one_is_none():
    asked: list[tuple[str, str]] = []
    published = SHIPPED.id, "2099.1"
    document = SHIPPED_DOCUMENT

    def lookup(policy_id: str, version: str) -> str | None:
        asked.append((policy_id, version))
        return document if (policy_id, version) == published else None

    versions = PolicyVersions(lookup)
    first = versions.find(*published)
    assert first is not None and versions.find(*published) is first
    assert versions.find(SHIPPED.id, SHIPPED.version) is not None
    assert versions.find("someone-elses", "1") is None
    assert asked.count(published) == 1


def test_figures_take_an_unknown_version_as_the_shipped_policy_without_asking_again():
    asked: list[tuple[str, str]] = []

    def lookup(policy_id: str, version: str) -> str | None:
        asked.append((policy_id, version))
        return None

    versions = PolicyVersions(lookup, shipped_for_unknown=True)
    for _ in range(1000):
        policy = versions.find("bench", "0")
        assert policy is not None and (policy.id, policy.version) == (SHIPPED.id, SHIPPED.version)
    assert asked == [("bench", "0")]
