"""What the follow-up service reads from its environment.

`FollowupSettings` are the process's own (where the database and
services/cases are, the staff file, when digests go); `DeliverySettings` say
how hard messages and webhook events are retried and when a failing webhook
is switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.db import database_url
from redress.platform.settings import Env
from services.followup.rendering import RENDER_PROCESSES
from services.followup.sandbox import RENDER_SECONDS
from services.followup.targets import Network, parse_networks
from workflows.followup import Backoff


@dataclass(frozen=True)
class FollowupSettings:
    database_url: str
    cases_address: str
    service_api_key: str
    staff_file: str
    schema_wait_seconds: float
    digest_daily_at: tuple[int, int] = (8, 0)
    digest_timezone: str = "UTC"
    # Letters render in this many worker processes, each letter within this time.
    render_processes: int = RENDER_PROCESSES
    render_seconds: float = RENDER_SECONDS

    @classmethod
    def from_env(cls, env: Env) -> FollowupSettings:
        settings = cls(
            database_url=env.string("REDRESS_DATABASE_URL", database_url()),
            cases_address=env.address("REDRESS_CASES_ADDRESS", "127.0.0.1:50052"),
            service_api_key=env.string("REDRESS_SERVICE_API_KEY", ""),
            staff_file=env.string("REDRESS_STAFF_FILE", ""),
            schema_wait_seconds=env.number("REDRESS_SCHEMA_WAIT_SECONDS", 120.0),
            digest_daily_at=_hour_minute(env, "REDRESS_DIGEST_DAILY_AT", "08:00"),
            digest_timezone=_timezone(env, "REDRESS_DIGEST_TIMEZONE", "UTC"),
            render_processes=env.integer(
                "REDRESS_LETTER_RENDER_PROCESSES", RENDER_PROCESSES, minimum=1
            ),
            render_seconds=env.number("REDRESS_LETTER_RENDER_SECONDS", RENDER_SECONDS, minimum=0.1),
        )
        if not settings.service_api_key:
            env.problems.append(
                "REDRESS_SERVICE_API_KEY is not set: the follow-up service reads cases "
                "from services/cases with a key that has the service role"
            )
        return settings


def _hour_minute(env: Env, name: str, default: str) -> tuple[int, int]:
    value = env.string(name, default)
    hour, _, minute = value.partition(":")
    if hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60:
        return int(hour), int(minute)
    env.problems.append(f"{name}={value!r}: a time of day as HH:MM, e.g. 08:00")
    return 8, 0


def _timezone(env: Env, name: str, default: str) -> str:
    from zoneinfo import ZoneInfo

    value = env.string(name, default)
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        env.problems.append(f"{name}={value!r}: an IANA time zone such as Europe/London")
        return default
    return value


@dataclass(frozen=True)
class DeliverySettings:
    message_backoff: Backoff
    webhook_backoff: Backoff
    # Deliveries given up in a row before a webhook is disabled.
    webhook_disable_after: int
    # Who is told when a webhook is disabled (an email address; empty: the log only).
    admin_alerts_to: str
    webhook_timeout_seconds: float
    # Non-public networks webhooks may reach all the same (services/followup/targets.py).
    webhook_allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls, env: Env) -> DeliverySettings:
        def backoff(prefix: str, attempts: int) -> Backoff:
            return Backoff(
                max_attempts=env.integer(f"{prefix}_MAX_ATTEMPTS", attempts, minimum=1),
                initial_seconds=env.number(f"{prefix}_RETRY_INITIAL_SECONDS", 5.0, minimum=0.01),
                max_seconds=env.number(f"{prefix}_RETRY_MAX_SECONDS", 600.0, minimum=0.01),
            )

        return cls(
            message_backoff=backoff("REDRESS_MESSAGE", 12),
            webhook_backoff=backoff("REDRESS_WEBHOOK", 10),
            webhook_disable_after=env.integer("REDRESS_WEBHOOK_DISABLE_AFTER", 5, minimum=1),
            admin_alerts_to=env.string("REDRESS_ADMIN_ALERTS_TO", ""),
            webhook_timeout_seconds=env.number(
                "REDRESS_WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.1
            ),
            webhook_allowed_networks=_networks(env, "REDRESS_WEBHOOK_ALLOWED_NETWORKS"),
        )


def _networks(env: Env, name: str) -> tuple[Network, ...]:
    value = env.string(name, "")
    try:
        return parse_networks(value)
    except ValueError as err:
        env.problems.append(f"{name}={value!r}: {err}; a comma-separated list of networks")
        return ()
