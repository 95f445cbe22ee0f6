"""One way to serve gRPC, used by every Redress service.

`run(ServiceSpec, ServingSettings)` starts a grpc.aio server with the
standard health service, server reflection, API-key authentication with
per-method roles, Prometheus metrics, structured logs with a request id and
rich errors, and stops it gracefully on SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from redress.platform import channels, logs, metrics
from redress.platform.auth import (
    ApiKeys,
    KeysFile,
    Principal,
    current_principal,
    fingerprint,
    key_from_metadata,
)
from redress.platform.errors import ServiceError, from_dependency, status_trailers
from redress.platform.settings import LOG_LEVELS, Env, data_dir
from redress.platform.tls import ServerTls

log = logging.getLogger("redress.serving")

# Calls that need no API key: orchestrators and operators probe these.
OPEN_SERVICES = (
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)

# The same limit as every client's (redress/platform/channels.py).
MAX_MESSAGE_BYTES = channels.MAX_MESSAGE_BYTES


@dataclass(frozen=True)
class ServingSettings:
    process: str
    listen: str
    metrics_listen: str
    api_keys_file: Path
    log_level: str
    log_format: str
    shutdown_grace_seconds: float
    # None: plaintext, for loopback and networks the deployment trusts.
    tls: ServerTls | None = None

    @classmethod
    def from_env(
        cls, process: str, default_port: int, default_metrics_port: int, env: Env | None = None
    ) -> ServingSettings:
        env = env or Env()
        upper = process.upper()
        return cls(
            process=process,
            listen=env.address(f"REDRESS_{upper}_LISTEN", f"127.0.0.1:{default_port}"),
            metrics_listen=env.address(
                f"REDRESS_{upper}_METRICS_LISTEN", f"127.0.0.1:{default_metrics_port}"
            ),
            api_keys_file=env.path("REDRESS_API_KEYS_FILE", str(data_dir() / "api-keys.txt")),
            log_level=env.choice("REDRESS_LOG_LEVEL", "info", LOG_LEVELS),
            log_format=env.choice("REDRESS_LOG_FORMAT", "json", ("json", "text")),
            shutdown_grace_seconds=env.number("REDRESS_SHUTDOWN_GRACE_SECONDS", 10.0),
            tls=ServerTls.from_env(env),
        )


AccessRules = Mapping[str, frozenset[str]]
"""Method name (e.g. "GetCase") -> the roles allowed to call it."""

Admission = Callable[[Principal, str], None]
"""Asked after the role check with the caller and the method name; raises a
ServiceError to refuse the call (e.g. `scope.firm_wide_only`)."""

RequestAdmission = Callable[
    [Principal, str, frozenset[str], Any, tuple[tuple[str, str | bytes], ...]], None
]
"""Asked with the caller, the method name, the roles the method allows, the
decoded request and the call's metadata, before the servicer runs; raises a
ServiceError to refuse the call (e.g. `status_links.CustomerCaseAccess`, which
lets the public web form act only on the case a customer's link names)."""


@dataclass
class ServiceSpec:
    """What a service puts on the shared server."""

    name: str
    # Full protobuf service names, for reflection and health.
    service_names: list[str]
    register: Callable[[grpc.aio.Server], None]
    access: Mapping[str, AccessRules]
    # Called at start, before serving; may return an async cleanup.
    on_start: Callable[[], Awaitable[Callable[[], Awaitable[None]] | None]] | None = None
    # Polled to decide SERVING/NOT_SERVING (e.g. a dependency is down).
    readiness: Callable[[], Awaitable[bool]] | None = None
    extra_servicers: list[Any] = field(default_factory=list)
    # A further check of every authenticated call beyond its roles.
    admit: Admission | None = None
    # A check of a unary call's request (e.g. the case it names) after its roles.
    admit_request: RequestAdmission | None = None


def remaining(context: grpc.aio.ServicerContext, ceiling: float = 30.0) -> float:
    """Time left of the caller's deadline, to pass on to calls made for it."""
    left = context.time_remaining()
    return ceiling if left is None else max(0.0, min(left, ceiling))


class ServingInterceptor(grpc.aio.ServerInterceptor):
    """Request id, authentication, role checks, metrics, logs and error mapping."""

    def __init__(
        self,
        api_keys: ApiKeys | KeysFile,
        access: Mapping[str, AccessRules],
        admit: Admission | None = None,
        admit_request: RequestAdmission | None = None,
    ) -> None:
        self.api_keys = api_keys
        self.access = access
        self.admit = admit
        self.admit_request = admit_request

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        method_path: str = details.method  # type: ignore[attr-defined]
        if handler is None:
            return handler
        _, service, method = method_path.split("/")
        if service in OPEN_SERVICES:
            return handler
        allowed = self.access.get(service, {}).get(method, frozenset())
        call = _Call(self, service, method, allowed)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                call.unary(handler.unary_unary),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                call.unary(_checked_stream(handler.stream_unary)),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                call.streaming(handler.unary_stream),
                request_deserializer=_lenient(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        return grpc.stream_stream_rpc_method_handler(
            call.streaming(_checked_stream(handler.stream_stream)),
            request_deserializer=_lenient(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )


@dataclass(frozen=True)
class _Undecodable:
    reason: str


def _lenient(parse: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    """Lets a request that does not parse reach the handler as a clear refusal.

    gRPC would otherwise answer a parse failure (e.g. text that is not UTF-8)
    with an opaque INTERNAL.
    """

    def deserialize(data: bytes) -> Any:
        assert parse is not None
        try:
            return parse(data)
        except Exception as err:
            return _Undecodable(str(err))

    return deserialize


def _check_decoded(request: Any) -> None:
    if isinstance(request, _Undecodable):
        raise ServiceError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "the request is not a valid message of this method's type; text fields must be "
            f"valid UTF-8 ({request.reason})",
        )


async def _decoded(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    async for request in requests:
        _check_decoded(request)
        yield request


def _checked_stream(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Hands a client-streaming method only the messages that parse; the first
    that does not ends the call as INVALID_ARGUMENT, as for a unary request."""

    def handle(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        return fn(_decoded(requests), context)

    return handle


class _Call:
    def __init__(
        self, owner: ServingInterceptor, service: str, method: str, allowed: frozenset[str]
    ) -> None:
        self.owner = owner
        self.service = service
        self.method = method
        self.allowed = allowed

    async def _admit(self, context: grpc.aio.ServicerContext) -> Principal:
        metadata = tuple(context.invocation_metadata() or ())
        rid = next((str(v) for k, v in metadata if k == "x-request-id"), "") or uuid.uuid4().hex
        logs.request_id.set(rid[:64])
        await context.send_initial_metadata((("x-request-id", logs.request_id.get()),))
        key = key_from_metadata(metadata)  # type: ignore[arg-type]
        if key is None:
            raise ServiceError(
                grpc.StatusCode.UNAUTHENTICATED,
                "no API key: send it as `authorization: Bearer <key>` or `x-api-key: <key>`",
            )
        principal = self.owner.api_keys.authenticate(key)
        if principal is None:
            # The log says which unknown key was refused, by a fingerprint that
            # cannot be used to call: a removed key still in use shows up.
            current_principal.set(Principal(fingerprint(key), frozenset()))
            raise ServiceError(grpc.StatusCode.UNAUTHENTICATED, "the API key is not known")
        if not principal.has_any(self.allowed):
            current_principal.set(principal)
            needed = ", ".join(sorted(self.allowed)) or "none (not callable)"
            raise ServiceError(
                grpc.StatusCode.PERMISSION_DENIED,
                f"{principal.id} may not call {self.method}; roles allowed: {needed}",
            )
        current_principal.set(principal)
        if self.owner.admit is not None:
            self.owner.admit(principal, self.method)
        return principal

    async def _fail(self, context: grpc.aio.ServicerContext, err: BaseException) -> None:
        if isinstance(err, NotImplementedError):
            # A method of the API this server does not have yet (the servicer
            # base class's default): what gRPC itself answers for it.
            err = ServiceError(
                grpc.StatusCode.UNIMPLEMENTED,
                f"{self.service}/{self.method} is not implemented by this server",
            )
        err = from_dependency(err) or err
        if isinstance(err, ServiceError):
            self._count(err.code)
            await context.abort(*status_trailers(err))
        log.exception("unhandled error in %s/%s", self.service, self.method)
        self._count(grpc.StatusCode.INTERNAL)
        await context.abort(
            grpc.StatusCode.INTERNAL,
            f"internal error; quote request id {logs.request_id.get()} when reporting it",
        )

    def _count(self, code: grpc.StatusCode) -> None:
        metrics.RPC_REQUESTS.labels(self.service, self.method, code.name).inc()
        # One line per call: who called what and how it ended, never what
        # was sent (requests carry customers' personal data). Refusals at
        # info, successes at debug.
        log.log(
            logging.DEBUG if code == grpc.StatusCode.OK else logging.INFO,
            "call",
            extra={
                "fields": {
                    "method": f"{self.service}/{self.method}",
                    "code": code.name,
                    "principal": current_principal.get().id,
                }
            },
        )

    def _finish(self, started: float) -> None:
        metrics.RPC_LATENCY.labels(self.service, self.method).observe(time.perf_counter() - started)
        metrics.RPC_IN_FLIGHT.labels(self.service).dec()

    def unary(self, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            metrics.RPC_IN_FLIGHT.labels(self.service).inc()
            try:
                principal = await self._admit(context)
                _check_decoded(request)
                if self.owner.admit_request is not None:
                    self.owner.admit_request(
                        principal,
                        self.method,
                        self.allowed,
                        request,
                        tuple(context.invocation_metadata() or ()),  # type: ignore[arg-type]
                    )
                response = await fn(request, context)
                self._count(grpc.StatusCode.OK)
                return response
            except (grpc.aio.AbortError, asyncio.CancelledError):
                self._count(_code_of(context))
                raise
            except Exception as err:
                await self._fail(context, err)
            finally:
                self._finish(started)

        return handle

    def streaming(self, fn: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
        async def handle(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            started = time.perf_counter()
            metrics.RPC_IN_FLIGHT.labels(self.service).inc()
            try:
                await self._admit(context)
                _check_decoded(request)
                async for item in fn(request, context):
                    yield item
                self._count(grpc.StatusCode.OK)
            except (grpc.aio.AbortError, asyncio.CancelledError):
                self._count(_code_of(context))
                raise
            except Exception as err:
                await self._fail(context, err)
            finally:
                self._finish(started)

        return handle


def _code_of(context: grpc.aio.ServicerContext) -> grpc.StatusCode:
    try:
        code = context.code()
    except Exception:
        return grpc.StatusCode.CANCELLED
    if isinstance(code, grpc.StatusCode):
        return code
    return grpc.StatusCode.CANCELLED


async def run(
    spec: ServiceSpec, settings: ServingSettings, ready: asyncio.Event | None = None
) -> None:
    """Serves until SIGTERM/SIGINT, then drains calls for the grace period."""
    # Read again when it changes: a key removed from the file stops working
    # without a restart.
    api_keys = KeysFile(settings.api_keys_file)
    cleanup = await spec.on_start() if spec.on_start else None
    server = grpc.aio.server(
        interceptors=[ServingInterceptor(api_keys, spec.access, spec.admit, spec.admit_request)],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            # gRPC shares a port with any other process that asks the same
            # (SO_REUSEPORT): a second server started on a port in use would
            # take half the calls meant for the first, or a stale process
            # half of the new one's. A port in use is refused instead.
            ("grpc.so_reuseport", 0),
        ],
    )
    spec.register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [
            *spec.service_names,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    try:
        if settings.tls is None:
            port = server.add_insecure_port(settings.listen)
        else:
            port = server.add_secure_port(settings.listen, settings.tls.grpc_credentials())
    except RuntimeError:
        port = 0
    if port == 0:
        raise SystemExit(
            f"{settings.process}: cannot listen on {settings.listen}: the address is in use "
            "by another process, or not one of this machine's"
        )
    metrics_port = metrics.serve_metrics(settings.metrics_listen)
    await server.start()

    async def set_health(serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ("", *spec.service_names):
            await health_servicer.set(name, status)

    await set_health(spec.readiness is None or await spec.readiness())
    host = settings.listen.rpartition(":")[0]
    metrics_host = settings.metrics_listen.rpartition(":")[0]
    log.info(
        "serving",
        extra={
            "fields": {
                "grpc": f"{host}:{port}",
                "transport": settings.tls.mode if settings.tls else "plaintext",
                "metrics": f"http://{metrics_host}:{metrics_port}/metrics",
            }
        },
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready.set()

    async def watch_readiness() -> None:
        assert spec.readiness is not None
        while True:
            await asyncio.sleep(5)
            await set_health(await spec.readiness())

    watcher = asyncio.create_task(watch_readiness()) if spec.readiness else None
    await stop.wait()
    log.info("stopping", extra={"fields": {"grace_seconds": settings.shutdown_grace_seconds}})
    if watcher:
        watcher.cancel()
    await health_servicer.enter_graceful_shutdown()
    await server.stop(settings.shutdown_grace_seconds)
    if cleanup:
        await cleanup()
    log.info("stopped")


def main(build: Callable[[Env], tuple[ServiceSpec, ServingSettings]]) -> None:
    """Entry point shared by `python -m services.<name>`."""
    from redress.platform.settings import SettingsError

    env = Env()
    try:
        spec, settings = build(env)
        env.check()
    except SettingsError as err:
        raise SystemExit(str(err)) from None
    logs.configure(settings.process, settings.log_level, settings.log_format)
    try:
        asyncio.run(run(spec, settings))
    except Exception as err:  # start-up failures: say what, not a traceback
        from redress.platform.auth import ApiKeyFileError

        if isinstance(err, ApiKeyFileError):
            raise SystemExit(f"{settings.process}: {err}") from None
        raise


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)
