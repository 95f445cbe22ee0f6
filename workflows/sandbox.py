"""The workflow sandbox every worker and replayer of Redress uses.

Business calendars read public holidays from the `holidays` package, which
imports its country modules (and dateutil) lazily, from inside workflow code.
Those modules are deterministic tables and date arithmetic, so they are passed
through to the real interpreter instead of being re-imported, and restricted,
on every workflow run. Their lookups read translation files through gettext,
which the sandbox forbids: the calendars are told to run them unrestricted.

Every other module is passed through as well: each workflow run would
otherwise import its own copy of the workflow modules and what they import,
which cost a run about 12 ms of CPU before its first event and a cached
complaint about 110 KB of the worker's memory (docs/BENCHMARKS.md, "Deadline
bursts"). The modules Redress's workflows import are pure (redress/domain) or
Temporal plumbing that keeps no state between runs; the sandbox's checks on
the calls a workflow makes (the clock, randomness, I/O) still apply to every
run, passed through or not.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from redress.domain import calendars

PASSTHROUGH = ("holidays", "dateutil")


def workflow_runner() -> SandboxedWorkflowRunner:
    calendars.look_up_holidays_within(workflow.unsafe.sandbox_unrestricted)
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            *PASSTHROUGH
        ).with_passthrough_all_modules()
    )
