"""Serving an API whose methods are defined in v1 but not yet available.

Such a method answers UNIMPLEMENTED naming itself, so that a caller knows
the call is well-formed and the capability is what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from redress.platform.auth import ROLES
from redress.platform.errors import ServiceError
from redress.platform.serving import AccessRules


def planned_servicer(base: type, descriptor: Any, available: type | None = None) -> Any:
    """An instance of `base` whose methods, other than those `available` defines, refuse."""

    def refuse(method: str) -> Callable[..., Any]:
        async def handler(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            raise ServiceError(
                grpc.StatusCode.UNIMPLEMENTED,
                f"{descriptor.full_name}.{method} is part of the v1 API but this "
                "release of Redress does not provide it yet",
            )

        return handler

    overrides = {
        m.name: refuse(m.name)
        for m in descriptor.methods
        if available is None or m.name not in vars(available)
    }
    bases = (available, base) if available else (base,)
    return type(f"Planned{descriptor.name}", bases, overrides)()


def open_to_all_roles(descriptor: Any) -> dict[str, AccessRules]:
    everyone = frozenset(ROLES)
    return {descriptor.full_name: {m.name: everyone for m in descriptor.methods}}
