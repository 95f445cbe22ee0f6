"""The absence sweep: cases held by someone absent longer than their policy's
`routing.reroute_absent_after` are routed again (docs/staff.md, "Routing").

A Temporal Schedule the worker keeps ("reroute-absent", every 15 minutes by
default) starts this short workflow; it asks services/cases for such cases
and signals each complaint's workflow to route itself again, which asks
RouteCase (passing over the absent) and records the new assignment and a
`case.routed` entry on the case's audit trail. Durable: a sweep missed while
the worker is down runs at the next one, and a case stays on the list until
it has been routed away from the absent person.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.activities import CaseActivities
    from workflows.complaint_retries import ACTIVITY_TIMEOUT, STORE_RETRY
    from workflows.complaint_types import AbsentAssignment, RerouteCommand

SCHEDULE_ID = "reroute-absent"
DEFAULT_EVERY = timedelta(minutes=15)


@workflow.defn(name="RerouteAbsent")
class RerouteAbsentWorkflow:
    @workflow.run
    async def run(self) -> int:
        found: list[AbsentAssignment] = await workflow.execute_activity_method(
            CaseActivities.absent_assignments,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=STORE_RETRY,
        )
        sent = 0
        for assignment in found:
            handle = workflow.get_external_workflow_handle(assignment.workflow_id)
            try:
                await handle.signal(
                    "reroute",
                    RerouteCommand(
                        reason=f"{assignment.assignee} absent since {assignment.absent_since}"
                    ),
                )
                sent += 1
            except Exception:  # the complaint's workflow has ended meanwhile
                workflow.logger.warning(
                    "a complaint to route again was not running",
                    extra={"case_id": assignment.case_id},
                )
        return sent
