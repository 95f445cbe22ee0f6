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

# Hand-overs to services/followup wait while the follow-up service is down:
# its activities run in its own worker, so no attempt is made (and none is
# counted) until it is back, and a message or an event is never dropped for
# that.
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
# A letter the follow-up service keeps failing to prepare (the case cannot be
# read, the renderer keeps crashing) is given up after about an hour of
# attempts (1 s doubling to 5 min, 20 in all) rather than retried forever
# and silently: the case's trail records message.failed with the last
# error, which alerts the case's assignee and team lead
# (services/followup/alerts.py), who can send it again.
LETTER_HANDOVER_ATTEMPTS = 20
LETTER_HANDOVER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=LETTER_HANDOVER_ATTEMPTS,
    non_retryable_error_types=["TemplateProblem", "InvalidMessage", "KeyReused"],
)
