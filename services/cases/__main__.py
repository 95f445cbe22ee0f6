"""`python -m services.cases`: serve the case store."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from temporalio.client import Client

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.db import database_url
from redress.db.audit_seal import KEY_FILE_VARIABLE, AuditKey, AuditKeyError, audit_key_from
from redress.domain.staff_directory import Directory
from redress.platform import serving
from redress.platform.scope import AgentScope, agent_scope
from redress.platform.settings import Env
from redress.platform.staff import StaffDirectory, StaffDirectoryReader
from redress.platform.status_links import CustomerCaseAccess, StatusLinks, status_links
from redress.platform.temporal import TemporalSettings
from services.cases.attachments import (
    DEFAULT_MAX_BYTES,
    DEFAULT_PER_CASE,
    MAX_ATTACHMENT_BYTES,
    MAX_PER_CASE,
    AttachmentLimits,
)
from services.cases.servicer import ACCESS, CUSTOMER_CASE_METHODS, CasesServicer
from services.cases.staff import StaffDirectoryStore, import_staff_file
from services.cases.store import CaseStore
from services.followup.erasure import FollowupPersonalData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CasesSettings:
    database_url: str
    migrate_on_start: bool
    scope: AgentScope
    audit_key: AuditKey
    attachments: AttachmentLimits
    # Checks the public web form's calls against its customers' links.
    status_links: StatusLinks | None
    # REDRESS_STAFF_FILE, imported into the directory at startup.
    staff_file: str
    staff_document: dict[str, Any]

    @classmethod
    def from_env(cls, env: Env) -> CasesSettings:
        return cls(
            database_url=env.string("REDRESS_DATABASE_URL", database_url()),
            migrate_on_start=env.flag("REDRESS_MIGRATE_ON_START", True),
            scope=agent_scope(env),
            audit_key=audit_key(env),
            attachments=attachment_limits(env),
            status_links=status_links(env),
            staff_file=env.string("REDRESS_STAFF_FILE", ""),
            staff_document=staff_document(env),
        )


def staff_document(env: Env) -> dict[str, Any]:
    """REDRESS_STAFF_FILE, read and checked, for the import at startup."""
    path = env.string("REDRESS_STAFF_FILE", "")
    document: dict[str, Any] = {}
    if path:
        import yaml

        try:
            with open(path, encoding="utf-8") as f:
                document = yaml.safe_load(f) or {}
            if not isinstance(document, dict):
                raise ValueError("a mapping with people, teams and compliance")
            StaffDirectory.parse(document, path)
        except (OSError, ValueError, yaml.YAMLError, AttributeError) as err:
            env.problems.append(f"REDRESS_STAFF_FILE={path!r}: {err}")
            document = {}
    return document


def attachment_limits(env: Env) -> AttachmentLimits:
    """How large a file on a case may be, and how many a case may hold (docs/attachments.md)."""
    max_bytes = env.integer("REDRESS_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES, minimum=1)
    if max_bytes > MAX_ATTACHMENT_BYTES:
        env.problems.append(
            f"REDRESS_ATTACHMENT_MAX_BYTES={max_bytes}: at most {MAX_ATTACHMENT_BYTES} "
            "(7 MiB), so that a file and its description fit in one gRPC message (8 MiB)"
        )
        max_bytes = MAX_ATTACHMENT_BYTES
    per_case = env.integer("REDRESS_ATTACHMENTS_PER_CASE", DEFAULT_PER_CASE, minimum=1)
    if per_case > MAX_PER_CASE:
        env.problems.append(f"REDRESS_ATTACHMENTS_PER_CASE={per_case}: at most {MAX_PER_CASE}")
        per_case = MAX_PER_CASE
    return AttachmentLimits(max_bytes, per_case)


def audit_key(env: Env) -> AuditKey:
    """The key every audit trail is sealed with; the service does not start without it."""
    try:
        key = audit_key_from(env.environ)
    except AuditKeyError as err:
        env.problems.append(str(err))
        return AuditKey()
    if key is None:
        env.problems.append(
            f"{KEY_FILE_VARIABLE} is not set: the case service seals every audit trail with "
            "a key kept outside the database; give it the file that holds the key "
            "(docs/deployment.md, Security notes)"
        )
        return AuditKey()
    return key


def build(env: Env) -> tuple[serving.ServiceSpec, serving.ServingSettings]:
    settings = CasesSettings.from_env(env)
    temporal = TemporalSettings.from_env(env)
    serving_settings = serving.ServingSettings.from_env("cases", 50052, 9102, env)
    store: CaseStore | None = None
    reader: StaffDirectoryReader | None = None

    def register(server: grpc.aio.Server) -> None:
        assert store is not None

        async def connect_temporal() -> Client:
            return await temporal.connect_once()

        cases_pb2_grpc.add_CasesServiceServicer_to_server(
            CasesServicer(
                store,
                connect_temporal,
                settings.scope,
                # Letters and webhook deliveries are erased with the case data.
                held_elsewhere=[FollowupPersonalData()],
                attachment_limits=settings.attachments,
            ),
            server,
        )

    async def on_start() -> Callable[[], Awaitable[None]]:
        nonlocal store, reader
        if settings.migrate_on_start:
            from redress.db.migrate import upgrade

            await asyncio.to_thread(upgrade, settings.database_url)
        store = CaseStore(settings.database_url, settings.audit_key)
        directory = StaffDirectoryStore(store.sessions)
        if settings.staff_document:
            changed = await asyncio.to_thread(import_staff_file, directory, settings.staff_document)
            log.info(
                "staff file imported into the directory",
                extra={"fields": {"file": settings.staff_file, "changed": changed}},
            )

        async def fetch() -> Directory:
            return await asyncio.to_thread(directory.snapshot)

        reader = StaffDirectoryReader(fetch, refresh_seconds=5)
        await reader.refresh()
        reader.start()

        async def close() -> None:
            assert store is not None and reader is not None
            await reader.stop()
            store.close()

        return close

    async def readiness() -> bool:
        return store is not None and await asyncio.to_thread(store.ping)

    spec = serving.ServiceSpec(
        name="cases",
        service_names=[cases_pb2.DESCRIPTOR.services_by_name["CasesService"].full_name],
        register=register,
        access=ACCESS,
        on_start=on_start,
        readiness=readiness,
        admit_request=CustomerCaseAccess(settings.status_links, CUSTOMER_CASE_METHODS),
    )
    return spec, serving_settings


if __name__ == "__main__":
    serving.main(build)
