"""Lifecycle commands sent to a case's ComplaintWorkflow as Temporal Updates, from any service.

The servicer checks the request's fields, finds the case's workflow, sends
the Update and, once the workflow has recorded the change, answers with the
case as stored. The workflow's refusals become gRPC statuses.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import grpc
from temporalio.client import (
    Client,
    RPCError,
    RPCStatusCode,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError

from redress.platform.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    ServiceError,
    Unavailable,
)
from workflows.complaint_types import CommandResult
from workflows.refusals import FAILED_PRECONDITION, INVALID_ARGUMENT


async def send(
    client: Client,
    workflow_id: str,
    update: Any,
    command: Any,
    seconds: float,
    update_id: str | None = None,
) -> CommandResult:
    """Runs a command as an Update; with `update_id`, Temporal runs it once per
    id however often it is sent."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        result: CommandResult = await handle.execute_update(
            update, command, id=update_id, rpc_timeout=timedelta(seconds=max(seconds, 1.0))
        )
        return result
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError):
            if cause.type == FAILED_PRECONDITION:
                raise FailedPrecondition(cause.message) from None
            if cause.type == INVALID_ARGUMENT:
                field = str(cause.details[0]) if cause.details else "request"
                raise InvalidArgument([FieldViolation(field, cause.message)]) from None
        raise
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise ServiceError(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            "the command was accepted but not yet recorded within the deadline; "
            "look at the case again in a moment",
        ) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise FailedPrecondition(
                "the case's workflow has completed (closed beyond its reopen window); "
                "it takes no more commands"
            ) from None
        if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise Unavailable(
                f"the workflow engine did not answer ({err.status.name}); retry the command"
            ) from None
        raise
