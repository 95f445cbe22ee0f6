"""`python -m services.gateway`: intake and the case read API over HTTP/JSON.

Serves the Connect protocol's unary JSON form on REDRESS_HTTP_LISTEN (default
127.0.0.1:8096) with waitress, its OpenAPI description at /openapi.json, and
Prometheus metrics on REDRESS_HTTP_METRICS_LISTEN (default 127.0.0.1:9109).
Each call goes to REDRESS_INTAKE_ADDRESS or REDRESS_CASES_ADDRESS over gRPC
with the caller's own key.
"""

from __future__ import annotations

import logging
import sys
from functools import cache

from redress.platform import channels
from redress.platform.logs import configure
from redress.platform.metrics import serve_metrics
from redress.platform.serving import ServingSettings
from redress.platform.settings import Env, SettingsError
from redress.platform.tls import ClientTls
from redress.platform.web import serve_wsgi
from services.gateway.connect import Gateway, GatewaySettings
from services.gateway.openapi import openapi_json

DEFAULT_PORTS = {"intake": 50051, "cases": 50052, "reporting": 50055}
log = logging.getLogger("redress.http")


def main() -> int:
    env = Env()
    serving = ServingSettings.from_env("http", 8096, 9109, env)
    addresses = {
        name: env.address(f"REDRESS_{name.upper()}_ADDRESS", f"127.0.0.1:{port}")
        for name, port in DEFAULT_PORTS.items()
    }
    settings = GatewaySettings(
        max_body_bytes=env.integer("REDRESS_HTTP_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
        call_timeout_seconds=env.number("REDRESS_HTTP_CALL_TIMEOUT_SECONDS", 30.0, minimum=1.0),
    )
    threads = env.integer("REDRESS_HTTP_THREADS", 8, minimum=1)
    tls = ClientTls.from_env(env)
    try:
        env.check()
    except SettingsError as err:
        print(f"http: {err}", file=sys.stderr)
        return 2
    configure("http", serving.log_level, serving.log_format)
    if serving.tls is not None:
        log.warning(
            "the HTTP/JSON gateway serves plain HTTP: REDRESS_TLS_CERT_FILE is not used here; "
            "serve it through a TLS-terminating proxy (docs/deployment.md)"
        )
    serve_metrics(serving.metrics_listen)
    opened = {name: channels.channel(address, tls=tls) for name, address in addresses.items()}
    app = Gateway(opened, settings, cache(openapi_json))
    serve_wsgi(
        app,
        serving.listen,
        threads=threads,
        what="http",
        log=log,
        # Above the gateway's own limit, so that the gateway answers a body
        # too large with a Connect error rather than waitress's plain text.
        max_request_body_size=settings.max_body_bytes * 2,
    )
    for channel in opened.values():
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
