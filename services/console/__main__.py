"""`python -m services.console`: the agents' and supervisors' web console.

Serves the console on REDRESS_CONSOLE_LISTEN (default 127.0.0.1:8090) with
waitress, and Prometheus metrics on REDRESS_CONSOLE_METRICS_LISTEN (default
127.0.0.1:9108). It talks to the intake, cases, follow-up, knowledge and
reporting services over their gRPC APIs (REDRESS_<SERVICE>_ADDRESS) as the person
signed in, who signs in with their API key from REDRESS_API_KEYS_FILE.
"""

from __future__ import annotations

import logging
import sys

from prometheus_client import start_http_server

from redress.platform.logs import configure
from redress.platform.serving import ServingSettings
from redress.platform.settings import Env, SettingsError, data_dir
from redress.platform.tls import ClientTls
from redress.platform.web import serve_wsgi
from services.console.apis import SERVICES, Apis
from services.console.app import ConsoleConfig, create_app

DEFAULT_PORTS = {
    "intake": 50051,
    "cases": 50052,
    "followup": 50053,
    "knowledge": 50054,
    "reporting": 50055,
}
log = logging.getLogger("redress.console")


def main() -> int:
    env = Env()
    serving = ServingSettings.from_env("console", 8090, 9108, env)
    addresses = {
        name: env.address(f"REDRESS_{name.upper()}_ADDRESS", f"127.0.0.1:{DEFAULT_PORTS[name]}")
        for name in SERVICES
    }
    config = ConsoleConfig(
        keys_file=serving.api_keys_file,
        views_file=env.path("REDRESS_CONSOLE_VIEWS_FILE", str(data_dir() / "console-views.json")),
        workflow_link=env.string(
            "REDRESS_WORKFLOW_LINK",
            "http://127.0.0.1:8233/namespaces/default/workflows/{workflow_id}",
        ),
        idle_seconds=env.number("REDRESS_CONSOLE_IDLE_MINUTES", 480.0, minimum=1.0) * 60,
        secure_cookies=env.flag("REDRESS_CONSOLE_SECURE_COOKIES", False),
    )
    threads = env.integer("REDRESS_CONSOLE_THREADS", 8, minimum=1)
    tls = ClientTls.from_env(env)
    try:
        env.check()
    except SettingsError as err:
        print(f"console: {err}", file=sys.stderr)
        return 2
    if not config.keys_file.exists():
        print(f"console: REDRESS_API_KEYS_FILE {config.keys_file} does not exist", file=sys.stderr)
        return 2
    configure("console", serving.log_level, serving.log_format)
    if serving.tls is not None:
        log.warning(
            "the console serves plain HTTP: REDRESS_TLS_CERT_FILE is not used here; "
            "serve it through a TLS-terminating proxy (docs/deployment.md)"
        )
    host, _, port = serving.metrics_listen.rpartition(":")
    start_http_server(int(port), addr=host)
    apis = Apis(addresses, tls)
    app = create_app(config, apis)
    try:
        serve_wsgi(app, serving.listen, threads=threads, what="console", log=log)
    finally:
        apis.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
