"""An erased customer's finished workflow runs, deleted from Temporal.

Temporal's event histories cannot be edited, and a complaint's first run
holds the submission as it arrived (name, contact details, narrative). Runs
that have finished, including the earlier runs of a workflow that continued
as new, are deleted at once rather than left until the namespace's retention
ends; a run still going on is left to finish (docs/privacy.md).
"""

from __future__ import annotations

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client, RPCError, RPCStatusCode, WorkflowExecutionStatus


async def delete_finished_runs(client: Client, workflow_ids: list[str]) -> int:
    """How many runs were deleted; runs already gone are skipped."""
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
        # Walk back through the runs a continue-as-new chain links together.
        while run_id:
            previous = ""
            try:
                handle = client.get_workflow_handle(workflow_id, run_id=run_id)
                async for event in handle.fetch_history_events():
                    attributes = event.workflow_execution_started_event_attributes
                    previous = attributes.continued_execution_run_id
                    break
                if not running:
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
            running = False
            run_id = previous
    return deleted
