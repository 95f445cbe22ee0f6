"""A policy document as a caller sends it, checked the one way every RPC
that takes one checks it (PublishPolicy, WhatIfPolicy)."""

from __future__ import annotations

from redress.domain.policy import Policy, PolicyError
from redress.platform.errors import FieldViolation, InvalidArgument

MAX_POLICY_CHARACTERS = 256_000


def checked_policy(document: str, field: str = "document") -> Policy:
    """The policy the document defines; INVALID_ARGUMENT naming every problem
    by its path under `field` (e.g. "document.clocks[1].budget")."""
    if len(document) > MAX_POLICY_CHARACTERS:
        raise InvalidArgument([FieldViolation(field, "at most 256,000 characters")])
    try:
        return Policy.load(document)
    except PolicyError as err:
        raise InvalidArgument(
            [
                FieldViolation(f"{field}.{p.split(':', 1)[0]}", p.split(": ", 1)[-1])
                for p in err.problems
            ]
        ) from None
