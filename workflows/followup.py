"""Delivery workflows of services/followup: one per message, one per (webhook, case).

Each attempt is an activity with retries and backoff; every attempt is
recorded by the activity before it returns or fails, so the delivery log
shows what happened even while Temporal keeps retrying. Both run on the
follow-up task queue, in the follow-up service's own worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.complaint_types import MessageEvent

ATTEMPT_TIMEOUT = timedelta(seconds=60)
QUICK = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@dataclass
class Backoff:
    max_attempts: int = 12
    initial_seconds: float = 5.0
    max_seconds: float = 600.0

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            initial_interval=timedelta(seconds=self.initial_seconds),
            backoff_coefficient=2.0,
            maximum_interval=timedelta(seconds=self.max_seconds),
            maximum_attempts=self.max_attempts,
            non_retryable_error_types=["PermanentFailure"],
        )


@dataclass
class DeliveryInput:
    message_id: str
    # The complaint's workflow, told how delivery ended; empty for none.
    case_workflow_id: str = ""
    kind: str = ""
    backoff: Backoff | None = None


@dataclass
class DeliveryOutcome:
    message_id: str
    state: str
    template_name: str = ""
    template_version: int = 0
    channel: str = ""
    detail: str = ""


@workflow.defn(name="MessageDelivery")
class MessageDeliveryWorkflow:
    @workflow.run
    async def run(self, input: DeliveryInput) -> str:
        backoff = input.backoff or Backoff()
        try:
            outcome = await workflow.execute_activity(
                "followup.deliver_message",
                input.message_id,
                start_to_close_timeout=ATTEMPT_TIMEOUT,
                retry_policy=backoff.policy(),
                result_type=DeliveryOutcome,
            )
        except ActivityError:
            outcome = await workflow.execute_activity(
                "followup.give_up_message",
                input.message_id,
                start_to_close_timeout=ATTEMPT_TIMEOUT,
                retry_policy=QUICK,
                result_type=DeliveryOutcome,
            )
        if input.case_workflow_id:
            handle = workflow.get_external_workflow_handle(input.case_workflow_id)
            try:
                await handle.signal(
                    "message_event",
                    MessageEvent(
                        message_id=outcome.message_id,
                        state=outcome.state,
                        kind=input.kind,
                        template_name=outcome.template_name,
                        template_version=outcome.template_version,
                        channel=outcome.channel,
                        detail=outcome.detail,
                    ),
                )
            except Exception:  # the case's workflow has ended; the message record stands
                workflow.logger.info("case workflow gone; delivery outcome kept on the message")
        return outcome.state


@dataclass
class DispatchInput:
    webhook_id: str
    case_id: str
    backoff: Backoff | None = None


@workflow.defn(name="WebhookDispatch")
class WebhookDispatchWorkflow:
    """Delivers one case's events to one webhook, in order, one at a time."""

    def __init__(self) -> None:
        self.more = False

    @workflow.signal
    def wake(self) -> None:
        self.more = True

    @workflow.run
    async def run(self, input: DispatchInput) -> int:
        backoff = input.backoff or Backoff()
        delivered = 0
        while True:
            self.more = False
            while True:
                delivery_id = await workflow.execute_activity(
                    "followup.next_delivery",
                    input,
                    start_to_close_timeout=ATTEMPT_TIMEOUT,
                    retry_policy=QUICK,
                    result_type=str,
                )
                if not delivery_id:
                    break
                try:
                    await workflow.execute_activity(
                        "followup.deliver_event",
                        delivery_id,
                        start_to_close_timeout=ATTEMPT_TIMEOUT,
                        retry_policy=backoff.policy(),
                    )
                    delivered += 1
                except ActivityError:
                    # Given up: recorded as failed (the webhook is disabled after
                    # too many); later events go on, RedeliverEvent resends it.
                    await workflow.execute_activity(
                        "followup.give_up_delivery",
                        delivery_id,
                        start_to_close_timeout=ATTEMPT_TIMEOUT,
                        retry_policy=QUICK,
                    )
            try:
                await workflow.wait_condition(lambda: self.more, timeout=timedelta(minutes=10))
            except TimeoutError:
                if not self.more:
                    return delivered


@workflow.defn(name="StaffDigest")
class StaffDigestWorkflow:
    """One run per digest: started by the Temporal Schedules "staff-digest-hourly"
    and "staff-digest-daily" that services/followup keeps in place."""

    @workflow.run
    async def run(self, kind: str) -> int:
        return await workflow.execute_activity(
            "followup.send_digests",
            args=[kind, workflow.now().isoformat()],
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=QUICK,
            result_type=int,
        )
