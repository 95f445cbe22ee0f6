"""The Temporal Schedules that send saved reports by e-mail, one per scheduled report."""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.service import RPCError, RPCStatusCode

from redress.platform.temporal import ensure_schedule
from redress.reporting.v1 import reporting_pb2
from workflows.reporting import ReportDeliveryWorkflow

log = logging.getLogger("redress.reporting")


def schedule_id(name: str) -> str:
    return f"report-{name}"


async def keep_schedule(
    client: Client, task_queue: str, definition: reporting_pb2.ReportDefinition
) -> None:
    """Creates, updates or removes the report's Temporal Schedule to match it."""
    handle = client.get_schedule_handle(schedule_id(definition.name))
    if not definition.schedule or not definition.email_to:
        try:
            await handle.delete()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        return
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            ReportDeliveryWorkflow.run,
            definition.name,
            id=f"report-delivery-{definition.name}",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            cron_expressions=[definition.schedule],
            time_zone_name=definition.time_zone or "UTC",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    await ensure_schedule(client, schedule_id(definition.name), schedule)
