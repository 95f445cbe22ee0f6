"""How the complaint workflow calls the services: timeouts and retries.

Shared by its activities and kept beside the workflow, so that a change to a
retry is one line in one place.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

# Calls to the case store are local activities: they run in the worker that
# holds the workflow, which saves several round trips through the server on
# every command (a complaint's intake latency is mostly those trips). They
# are retried until the case store answers: a complaint is never dropped
# because a service was down for a while.
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["InvalidCase"],
)
ACTIVITY_TIMEOUT = timedelta(seconds=30)

# Hand-overs to services/followup are retried until it answers: a message or
# an event is never dropped because the follow-up service was down.
SUGGESTIONS = 3
SUGGEST_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["NotFound"],
)
FOLLOWUP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["TemplateProblem", "InvalidMessage", "KeyReused"],
)
