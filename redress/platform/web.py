"""Serving a WSGI application (the console, the HTTP/JSON gateway, the
channel adapters' webhooks) with waitress until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Any

from waitress.server import create_server


def serve_wsgi(
    app: Any,
    listen: str,
    *,
    threads: int,
    what: str,
    log: logging.Logger,
    max_request_body_size: int | None = None,
    fields: dict[str, Any] | None = None,
    trusted_proxies: int = 0,
) -> None:
    """Serves `app` on `listen` ("host:port") until the process is told to
    stop; logs "<what> listening" with its URL (and `fields`) once bound.

    With `trusted_proxies`, the app is reached only through that many proxies
    that each append the address they were called from to X-Forwarded-For:
    waitress takes the client's address (REMOTE_ADDR) from there. Otherwise
    waitress drops such headers, which any client could write."""
    host, _, port = listen.rpartition(":")
    options: dict[str, Any] = {"threads": threads, "ident": "Redress"}
    if trusted_proxies > 0:
        options.update(
            trusted_proxy="*",
            trusted_proxy_count=trusted_proxies,
            trusted_proxy_headers={"x-forwarded-for"},
        )
    if max_request_body_size is not None:
        options["max_request_body_size"] = max_request_body_size
    server = create_server(app, host=host, port=int(port), **options)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.close()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    log.info(f"{what} listening", extra={"fields": {"url": f"http://{listen}/", **(fields or {})}})
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
