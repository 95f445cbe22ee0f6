"""What intake asks of services/cases directly, without a workflow.

Intake calls services/cases (REDRESS_CASES_ADDRESS, with
REDRESS_SERVICE_API_KEY and the process's REDRESS_TLS_* settings) for two
things only:

- the policy in force (GetPolicy), kept for REFRESH_SECONDS: a complaint may
  name in `regime_name` a regime the policy defines itself (docs/lifecycle.md
  "Regimes are data"), and closed historic complaints go through its rules
  here, as a workflow's first step would. The shipped regimes need no call:
  a complaint under them never waits for the case service;
- storing closed historic complaints, many at a time (StoreClosedCases);
- finding the case a complaint's workflow owns (GetCase by workflow_id), for
  FindComplaint: the store has every case, also those imported closed (no
  workflow) and those whose workflow Temporal no longer keeps.
"""

from __future__ import annotations

import asyncio
import time

import grpc

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.domain.complaint_state import PolicyDocument
from redress.domain.policy import Policy, PolicyError
from redress.platform import channels
from redress.platform.errors import Unavailable
from redress.platform.tls import ClientTls

# A policy published is in force here within this many seconds.
REFRESH_SECONDS = 30.0
# Each call to the case store; a batch of closed cases is written in one
# transaction, well within it.
CALL_SECONDS = 60.0
# The most bytes of closed cases sent to the store in one call, well under the
# largest message a service accepts (redress.platform.channels).
CHUNK_BYTES = 3_000_000


class CasesLink:
    def __init__(self, address: str, api_key: str, tls: ClientTls | None = None) -> None:
        self.address = address
        self.api_key = api_key
        self.tls = tls or ClientTls()
        self._channel: grpc.aio.Channel | None = None
        self._document: PolicyDocument | None = None
        self._regimes: tuple[str, ...] = ()
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    def _stub(self) -> cases_pb2_grpc.CasesServiceStub:
        if self._channel is None:
            self._channel = channels.aio_channel(self.address, tls=self.tls)
        return cases_pb2_grpc.CasesServiceStub(self._channel)

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.api_key}"),)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def policy(self) -> PolicyDocument | None:
        """The policy in force; None when the case service cannot say now
        (unreachable, or no key to ask it with)."""
        async with self._lock:
            if time.monotonic() - self._read_at >= REFRESH_SECONDS:
                await self._read_policy()
            return self._document

    async def regimes(self) -> tuple[str, ...] | None:
        """The regimes the policy in force defines beside the shipped ones."""
        return self._regimes if await self.policy() is not None else None

    async def _read_policy(self) -> None:
        if not self.api_key:
            return
        try:
            answer = await self._stub().GetPolicy(
                cases_pb2.GetPolicyRequest(), metadata=self._metadata(), timeout=5
            )
            policy = Policy.load(answer.policy.document)
        except (grpc.aio.AioRpcError, PolicyError):
            return
        p = answer.policy
        self._document = PolicyDocument(p.policy_id, p.version, p.document)
        self._regimes = tuple(policy.regimes)
        self._read_at = time.monotonic()

    async def store_closed(
        self, cases: list[cases_pb2.ClosedCase]
    ) -> list[cases_pb2.StoredClosedCase]:
        if not self.api_key:
            raise Unavailable(
                "intake has no REDRESS_SERVICE_API_KEY to store closed historic complaints with"
            )
        stored: list[cases_pb2.StoredClosedCase] = []
        for chunk in _chunks(cases):
            try:
                answer = await self._stub().StoreClosedCases(
                    cases_pb2.StoreClosedCasesRequest(cases=chunk),
                    metadata=self._metadata(),
                    timeout=CALL_SECONDS,
                )
            except grpc.aio.AioRpcError as err:
                if err.code() in channels.UNANSWERED:
                    raise Unavailable(
                        f"the case store did not answer ({err.code().name}); nothing is filed "
                        "twice: call again with the same complaints"
                    ) from None
                raise
            stored += answer.stored
        return stored

    async def case_of_workflow(self, workflow_id: str, seconds: float) -> str | None:
        """The id of the case `workflow_id` owns; None when none is stored.
        Unavailable when the store cannot say now (unreachable, or no key)."""
        if not self.api_key:
            raise Unavailable("intake has no REDRESS_SERVICE_API_KEY to ask the case store with")
        try:
            answer = await self._stub().GetCase(
                cases_pb2.GetCaseRequest(workflow_id=workflow_id),
                metadata=self._metadata(),
                timeout=seconds,
            )
        except grpc.aio.AioRpcError as err:
            if err.code() == grpc.StatusCode.NOT_FOUND:
                return None
            if err.code() in channels.UNANSWERED:
                raise Unavailable(f"the case store did not answer ({err.code().name})") from None
            raise
        return answer.case.case_id


def _chunks(cases: list[cases_pb2.ClosedCase]) -> list[list[cases_pb2.ClosedCase]]:
    """The cases in calls of at most CHUNK_BYTES each: a case with its trail is
    larger than the complaint it came from, so a request intake accepted whole
    may need more than one call to the store (each case is stored once
    whichever call carries it)."""
    chunks: list[list[cases_pb2.ClosedCase]] = [[]]
    size = 0
    for case in cases:
        length = case.ByteSize()
        if chunks[-1] and size + length > CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(case)
        size += length
    return chunks
