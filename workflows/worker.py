"""`python -m workflows.worker`: runs complaint workflows and their activities."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from redress.platform import channels, logs, metrics
from redress.platform.settings import LOG_LEVELS, Env, SettingsError
from redress.platform.temporal import TemporalSettings, connect, ensure_schedule
from redress.platform.tls import ClientTls
from workflows.activities import CaseActivities
from workflows.complaint import ComplaintWorkflow
from workflows.rerouting import DEFAULT_EVERY, SCHEDULE_ID, RerouteAbsentWorkflow
from workflows.sandbox import workflow_runner
from workflows.subtask import SubtaskWorkflow

log = logging.getLogger("redress.worker")

WORKFLOWS = [ComplaintWorkflow, SubtaskWorkflow, RerouteAbsentWorkflow]


# Complaints a worker keeps in memory unless REDRESS_WORKER_MAX_CACHED_WORKFLOWS
# says otherwise: about 600 MB of them.
DEFAULT_CACHED = 3000


@dataclass(frozen=True)
class WorkerSettings:
    temporal: TemporalSettings
    cases_address: str
    service_api_key: str
    metrics_listen: str
    sdk_metrics_listen: str
    log_level: str
    log_format: str
    max_concurrent_activities: int
    # Complaints kept in memory between their events; the rest are replayed
    # from history when their next event comes. The worker's memory is mostly
    # this cache (about 0.2 MB a complaint, docs/BENCHMARKS.md "Deadline
    # bursts"): the default keeps a worker under 1 GB.
    max_cached_workflows: int
    # How the activities reach services/cases (REDRESS_TLS_*).
    cases_tls: ClientTls = field(default_factory=ClientTls)
    # How often the absence sweep runs (REDRESS_REROUTE_ABSENT_EVERY_MINUTES).
    reroute_every: timedelta = DEFAULT_EVERY

    @classmethod
    def from_env(cls, env: Env) -> WorkerSettings:
        settings = cls(
            temporal=TemporalSettings.from_env(env),
            cases_address=env.address("REDRESS_CASES_ADDRESS", "127.0.0.1:50052"),
            service_api_key=env.string("REDRESS_SERVICE_API_KEY", ""),
            metrics_listen=env.address("REDRESS_WORKER_METRICS_LISTEN", "127.0.0.1:9106"),
            sdk_metrics_listen=env.address("REDRESS_WORKER_SDK_METRICS_LISTEN", "127.0.0.1:9107"),
            log_level=env.choice("REDRESS_LOG_LEVEL", "info", LOG_LEVELS),
            log_format=env.choice("REDRESS_LOG_FORMAT", "json", ("json", "text")),
            max_concurrent_activities=env.integer("REDRESS_WORKER_MAX_ACTIVITIES", 100, minimum=1),
            max_cached_workflows=env.integer("REDRESS_WORKER_MAX_CACHED_WORKFLOWS", DEFAULT_CACHED),
            cases_tls=ClientTls.from_env(env),
            reroute_every=timedelta(
                minutes=env.integer(
                    "REDRESS_REROUTE_ABSENT_EVERY_MINUTES",
                    int(DEFAULT_EVERY.total_seconds() // 60),
                    minimum=1,
                )
            ),
        )
        if not settings.service_api_key:
            env.problems.append(
                "REDRESS_SERVICE_API_KEY is not set: the worker needs a key with the "
                "service role to call services/cases"
            )
        return settings


async def run(settings: WorkerSettings, stop: asyncio.Event | None = None) -> None:
    runtime = Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=settings.sdk_metrics_listen)
        )
    )
    client = await connect(settings.temporal, runtime)
    channel = channels.aio_channel(settings.cases_address, tls=settings.cases_tls)
    activities = CaseActivities(channel, settings.service_api_key)
    metrics.serve_metrics(settings.metrics_listen)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=WORKFLOWS,
        activities=[
            activities.store_case,
            activities.current_policy,
            activities.record_change,
            activities.route_case,
            activities.absent_assignments,
        ],
        max_concurrent_activities=settings.max_concurrent_activities,
        max_cached_workflows=settings.max_cached_workflows,
        graceful_shutdown_timeout=timedelta(seconds=10),
        workflow_runner=workflow_runner(),
    )
    log.info(
        "worker running",
        extra={
            "fields": {
                "task_queue": settings.temporal.task_queue,
                "temporal": settings.temporal.address,
                "metrics": settings.metrics_listen,
                "sdk_metrics": settings.sdk_metrics_listen,
            }
        },
    )
    async with worker:
        await keep_reroute_schedule(client, settings)
        await stop.wait()
        log.info("worker stopping")
    await channel.close()
    log.info("worker stopped")


async def keep_reroute_schedule(client: Client, settings: WorkerSettings) -> None:
    """The Temporal Schedule of the absence sweep (workflows/rerouting.py)."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            RerouteAbsentWorkflow.run, id=SCHEDULE_ID, task_queue=settings.temporal.task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=settings.reroute_every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await ensure_schedule(client, SCHEDULE_ID, schedule)
    except Exception:
        # Not fatal to taking complaints: said, and tried at the next start.
        log.exception("the absence sweep's schedule could not be kept")


def precompile_workflows() -> None:
    """Writes the workflow modules' bytecode once.

    The workflow sandbox imports the workflow modules afresh for every
    complaint it starts; without bytecode on disk (PYTHONDONTWRITEBYTECODE, a
    fresh checkout) each of those imports compiles the source again, which was
    the largest single cost of taking a complaint in. A read-only install
    simply keeps compiling.
    """
    import compileall

    compileall.compile_dir(Path(__file__).parent, quiet=2, workers=1)


def main() -> None:
    precompile_workflows()
    env = Env()
    settings = WorkerSettings.from_env(env)
    try:
        env.check()
    except SettingsError as err:
        raise SystemExit(str(err)) from None
    logs.configure("worker", settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
