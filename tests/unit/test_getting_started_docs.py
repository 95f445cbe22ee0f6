"""What a new user reads first says what works: how to get grpcurl, Temporal
queries that find something, every service of the deployment, and an install
without deprecation warnings."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import yaml

from redress.domain.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_says_how_to_get_grpcurl() -> None:
    section = README.split("### With grpcurl", 1)[1].split("\n### ", 1)[0]
    assert "github.com/fullstorydev/grpcurl" in section
    assert "go install" in section


def test_the_readmes_temporal_queries_never_ask_for_a_stage_cases_leave_at_once() -> None:
    policy = Policy.load((ROOT / "redress/domain/default_policy.yaml").read_text())
    queries = re.findall(r'temporal workflow list --query "([^"]+)"', README)
    assert queries
    for query in queries:
        for stage in re.findall(r"Stage='([^']+)'", query):
            assert stage in policy.stages, query
            # The acknowledgement rule moves a case out of the first stage within a second.
            assert stage != policy.initial_stage, query


def test_the_deployment_table_lists_every_long_running_service() -> None:
    text = (ROOT / "docs/deployment.md").read_text()
    table = text[text.index("| service | image |") :].split("\n\n", 1)[0]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.M))
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) <= listed, set(compose["services"]) - listed


def test_the_readme_says_how_to_try_each_role() -> None:
    section = README.split("### Trying each role", 1)[1].split("\n## ", 1)[0]
    for role in ("agent", "team_lead", "manager"):
        assert re.search(rf"^\S+ \S+ {role}$", section, re.M), role
    assert "var/staff.yaml" in section and "var/mail" in section


def test_the_project_metadata_installs_without_deprecation_warnings() -> None:
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert not [str(w.message) for w in caught if "deprecat" in str(w.message).lower()]
    assert dist.metadata.license_expression == "Apache-2.0"
