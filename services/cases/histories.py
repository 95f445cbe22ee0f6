"""An erased customer's complaint workflows in Temporal.

Temporal's event histories cannot be edited, and a complaint's first run
holds the submission as it arrived (name, contact details, narrative). Runs
that have finished, including the earlier runs of a workflow that continued
as new, are deleted at once rather than left until the namespace's retention
ends. A workflow still going on is told the customer was erased: it forgets
what it holds of them and continues as new, and the runs before are deleted
too; its current run then holds none of the erased data (docs/privacy.md).
"""

from __future__ import annotations

import asyncio
import time

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client, RPCError, RPCStatusCode, WorkflowExecutionStatus

from workflows.complaint_types import PersonalDataErased

# How long one erasure waits, for all the customer's workflows together, for
# the running ones to continue as new (a worker that is down does it later;
# asking again then deletes the runs before).
FRESH_RUN_WAIT_SECONDS = 10.0


async def forget_customer(
    client: Client, workflow_ids: list[str], erased: PersonalDataErased | None
) -> int:
    """Tells running workflows (unless `erased` is None: an erasure that
    found nothing new, whose workflows were told before), deletes finished
    runs; how many runs were deleted (runs already gone are skipped)."""
    deadline = time.monotonic() + FRESH_RUN_WAIT_SECONDS
    deleted = 0
    for workflow_id in workflow_ids:
        try:
            latest = await client.get_workflow_handle(workflow_id).describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                continue
            raise
        run_id: str = latest.run_id
        running = latest.status == WorkflowExecutionStatus.RUNNING
        if running and erased is not None:
            handle = client.get_workflow_handle(workflow_id, run_id=run_id)
            try:
                await handle.signal("personal_data_erased", erased)
            except RPCError as err:
                # It finished meanwhile: its runs are deleted below.
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
            fresh = await _fresh_run(client, workflow_id, run_id, deadline)
            if fresh:
                running = False  # the run told is now finished
        deleted += await _delete_runs(client, workflow_id, run_id, keep_first=running)
    return deleted


async def _fresh_run(client: Client, workflow_id: str, old_run_id: str, deadline: float) -> bool:
    """Waits until the workflow has left `old_run_id`."""
    while True:
        described = await client.get_workflow_handle(workflow_id).describe()
        if described.run_id != old_run_id or described.status != WorkflowExecutionStatus.RUNNING:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.2)


async def _delete_runs(client: Client, workflow_id: str, run_id: str, keep_first: bool) -> int:
    """Deletes `run_id` (unless keep_first) and every run before it that a
    continue-as-new chain links to."""
    deleted = 0
    keep = keep_first
    while run_id:
        previous = ""
        try:
            handle = client.get_workflow_handle(workflow_id, run_id=run_id)
            async for event in handle.fetch_history_events():
                attributes = event.workflow_execution_started_event_attributes
                previous = attributes.continued_execution_run_id
                break
            if not keep:
                await client.workflow_service.delete_workflow_execution(
                    DeleteWorkflowExecutionRequest(
                        namespace=client.namespace,
                        workflow_execution=WorkflowExecution(
                            workflow_id=workflow_id, run_id=run_id
                        ),
                    )
                )
                deleted += 1
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        keep = False
        run_id = previous
    return deleted
