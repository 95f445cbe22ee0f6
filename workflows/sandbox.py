"""The workflow sandbox every worker and replayer of Redress uses.

Business calendars read public holidays from the `holidays` package, which
imports its country modules (and dateutil) lazily, from inside workflow code.
Those modules are deterministic tables and date arithmetic, so they are passed
through to the real interpreter instead of being re-imported, and restricted,
on every workflow run. Their lookups read translation files through gettext,
which the sandbox forbids: the calendars are told to run them unrestricted.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from redress.domain import calendars

PASSTHROUGH = ("holidays", "dateutil")


def workflow_runner() -> SandboxedWorkflowRunner:
    calendars.look_up_holidays_within(workflow.unsafe.sandbox_unrestricted)
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )
