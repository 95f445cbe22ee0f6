"""The regimes the policy in force defines beside the shipped packs.

A policy may define regimes of its own (its `regimes` section,
docs/lifecycle.md "Regimes as data"). Intake accepts such a name in
`regime_name` only if the policy in force defines it, which it reads from
services/cases (GetPolicy, with REDRESS_SERVICE_API_KEY) and keeps for
REFRESH_SECONDS. The shipped regimes need no call: a complaint under them
never waits for the case service.
"""

from __future__ import annotations

import asyncio
import time

import grpc

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.domain.policy import Policy, PolicyError

# A policy published is accepted here within this many seconds.
REFRESH_SECONDS = 30.0


class PolicyRegimes:
    def __init__(self, cases_address: str, api_key: str) -> None:
        self.cases_address = cases_address
        self.api_key = api_key
        self._names: tuple[str, ...] = ()
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def names(self) -> tuple[str, ...] | None:
        """The regimes the policy in force defines; None when the case service
        cannot say now (unreachable, or no key to ask it with)."""
        async with self._lock:
            if time.monotonic() - self._read_at < REFRESH_SECONDS:
                return self._names
            if not self.api_key:
                return None
            try:
                async with grpc.aio.insecure_channel(self.cases_address) as channel:
                    answer = await cases_pb2_grpc.CasesServiceStub(channel).GetPolicy(
                        cases_pb2.GetPolicyRequest(),
                        metadata=(("authorization", f"Bearer {self.api_key}"),),
                        timeout=5,
                    )
                policy = Policy.load(answer.policy.document)
            except (grpc.aio.AioRpcError, PolicyError):
                return None
            self._names = tuple(policy.regimes)
            self._read_at = time.monotonic()
            return self._names
