"""Scheduled delivery of saved reports: one short workflow per delivery,
started by the Temporal Schedule "report-<name>" that services/reporting keeps
in step with the report's definition."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy


@workflow.defn(name="ReportDelivery")
class ReportDeliveryWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            "reporting.deliver_report",
            args=[name, workflow.now().isoformat()],
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=5),
                maximum_interval=timedelta(minutes=5),
                maximum_attempts=20,
                non_retryable_error_types=["NotFound", "PermanentFailure"],
            ),
            result_type=str,
        )
