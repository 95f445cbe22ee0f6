"""Policies the tests publish: the shipped one with a first-response clock short
enough to warn and breach while a test watches."""

from __future__ import annotations

from pathlib import Path

import yaml

from redress.domain.policy import Policy

SHIPPED = Path(__file__).resolve().parent.parent / "redress/domain/default_policy.yaml"


def short_first_response(version: str, warn_after: float, breach_after: float) -> str:
    """The shipped policy under another version, its first-response clock
    warning `warn_after` and breaching `breach_after` seconds after receipt."""
    document = yaml.safe_load(SHIPPED.read_text())
    document["version"] = version
    for clock in document["clocks"]:
        if clock["name"] == "first_response":
            clock["budget"] = {"minutes": breach_after / 60}
            clock["warn_at"] = [warn_after / breach_after]
    text = yaml.safe_dump(document, sort_keys=False)
    Policy.load(text)  # the same checks the cases service makes
    return text
