"""Temporal's time-skipping test server, as the workflow tests start it."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from redress.devstack import binaries
from redress.platform import search_attributes as sa

KINDS = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
}


async def time_skipping() -> WorkflowEnvironment:
    """The time-skipping test server `make install` fetched, with Redress's
    search attributes registered as `temporal server start-dev` registers
    them. The caller shuts it down."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binaries.temporal_test_server())
    )
    try:
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={n: KINDS[k] for n, k in sa.CLI_TYPES.items()},
            )
        )
    except BaseException:
        await env.shutdown()
        raise
    return env
