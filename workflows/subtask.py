"""SubtaskWorkflow: a subtask's own timers, as a child of its complaint.

It reminds the assignee before the due time and reports the subtask overdue
at the due time, by signalling the complaint's workflow, which records both.
It ends when the complaint completes or cancels the subtask.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.complaint_types import SubtaskEvent, SubtaskInput


@workflow.defn
class SubtaskWorkflow:
    def __init__(self) -> None:
        self.finished = False

    @workflow.run
    async def run(self, input: SubtaskInput) -> None:
        parent = workflow.get_external_workflow_handle(input.parent_workflow_id)
        if input.due_at is not None:
            remind_at = input.due_at - timedelta(seconds=input.remind_before_seconds)
            for at, kind in ((remind_at, "reminder"), (input.due_at, "overdue")):
                wait = at - workflow.now()
                if wait > timedelta(0):
                    try:
                        await workflow.wait_condition(
                            lambda: self.finished, timeout=wait, timeout_summary=f"subtask {kind}"
                        )
                    except TimeoutError:
                        pass
                if self.finished:
                    return
                await parent.signal("subtask_event", SubtaskEvent(input.subtask_id, kind))
        await workflow.wait_condition(lambda: self.finished)

    @workflow.signal
    def finish(self) -> None:
        self.finished = True
