"""The complaint's refusals as the application errors that cross Temporal.

The domain raises typed refusals (redress/domain/complaint_commands.py); an
Update's validator turns them into these ApplicationErrors, and the services
that send the Updates (workflows/commands.py, intake) turn those into gRPC
statuses: FAILED_PRECONDITION, INVALID_ARGUMENT with the field, ALREADY_EXISTS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from temporalio.exceptions import ActivityError, ApplicationError

from redress.domain.complaint_commands import InvalidCommand, KeyReused, Refused

KEY_REUSED = "IdempotencyKeyReused"
FAILED_PRECONDITION = "FailedPrecondition"
INVALID_ARGUMENT = "InvalidArgument"
# The case store refused a change: its id was recorded with other content.
CHANGE_CONFLICT = "ChangeConflict"


class ChangeNotRecorded(RuntimeError):
    """Raised in the workflow when a change cannot be recorded as it is. Not
    a Temporal failure type, so it fails the workflow task (retried, and
    shown in the Temporal UI) rather than the complaint's workflow."""


@contextmanager
def refusals_as_errors() -> Iterator[None]:
    """The complaint's refusals as the application errors callers know
    (services/cases turns them into FAILED_PRECONDITION / INVALID_ARGUMENT)."""
    try:
        yield
    except KeyReused as err:
        raise ApplicationError(err.message, type=KEY_REUSED, non_retryable=True) from None
    except InvalidCommand as err:
        raise ApplicationError(
            err.message, err.field, type=INVALID_ARGUMENT, non_retryable=True
        ) from None
    except Refused as err:
        raise ApplicationError(err.message, type=FAILED_PRECONDITION, non_retryable=True) from None


def refuse_as_errors(check: Callable[..., None], *args: object) -> None:
    """Runs a validator's check, its refusals as application errors."""
    with refusals_as_errors():
        check(*args)


def failure_cause(err: ActivityError) -> str:
    return err.cause.message if isinstance(err.cause, ApplicationError) else str(err)


def error_type(err: ActivityError) -> str:
    return err.cause.type or "" if isinstance(err.cause, ApplicationError) else ""
