"""Saved reports over HTTP, for people and spreadsheets:

    GET /reports/                       the saved reports, as a page of links
    GET /reports/<name>.<html|csv|xlsx|json>[?version=N]

Authenticated with the same API keys as the gRPC APIs and the same roles as
RunReport (a report of a regulatory return: those of GetRegulatoryReturn):
`Authorization: Bearer <key>`, or HTTP Basic with the key as the password
(what a browser asks for). Served by a thread of the reporting
service on REDRESS_REPORTS_HTTP_LISTEN.
"""

from __future__ import annotations

import base64
import logging
import re
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from redress.platform.auth import ApiKeys, Principal
from services.reporting import saved
from services.reporting.render import CONTENT_TYPES, FORMATS_BY_SUFFIX, file_name, render
from services.reporting.store import NoSuchReport, ReportingStore, SavedReports, from_row

log = logging.getLogger("redress.reporting")
HANDSHAKE_SECONDS = 30
PATH = re.compile(r"^/reports/([a-z0-9][a-z0-9-]{0,63})\.(html|csv|xlsx|json)$")


def key_of(header: str) -> str:
    kind, _, value = header.partition(" ")
    if kind.lower() == "bearer":
        return value.strip()
    if kind.lower() == "basic":
        try:
            _, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except ValueError:
            return ""
        return password
    return ""


def serve(
    listen: str,
    store: ReportingStore,
    keys: ApiKeys,
    allowed: frozenset[str],
    return_readers: frozenset[str],
    tls: ssl.SSLContext | None = None,
    refusal: Callable[[Principal], str] = lambda principal: "",
) -> Callable[[], None]:
    """Starts the HTTP server in a thread (HTTPS with `tls`); returns the function
    that stops it. `allowed` may read saved reports; of those, a report of a
    regulatory return only `return_readers`. `refusal` says why a caller with
    those roles is refused all the same (a person limited to their teams'
    cases, redress/platform/scope.py), or ""."""
    reports = SavedReports(store)

    class Handler(BaseHTTPRequestHandler):
        server_version = "Redress-Reports"

        def log_message(self, format: str, *args: object) -> None:
            log.info(
                "http",
                extra={
                    "fields": {
                        "path": urlsplit(self.path).path,
                        "status": args[1] if len(args) > 1 else "",
                    }
                },
            )

        def _reply(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _principal(self) -> Principal | None:
            principal = keys.authenticate(key_of(self.headers.get("Authorization", "")))
            if principal is None:
                self._reply(
                    401,
                    b"An API key is needed: Authorization: Bearer <key>, "
                    b"or Basic with the key as the password.\n",
                    "text/plain; charset=utf-8",
                    {"WWW-Authenticate": 'Basic realm="Redress reports", charset="UTF-8"'},
                )
                return None
            if not principal.has_any(allowed):
                self._reply(
                    403,
                    f"{principal.id} may not read reports.\n".encode(),
                    "text/plain; charset=utf-8",
                )
                return None
            refused = refusal(principal)
            if refused:
                self._reply(403, f"{refused}.\n".encode(), "text/plain; charset=utf-8")
                return None
            return principal

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            principal = self._principal()
            if principal is None:
                return
            now = datetime.now(UTC)
            if url.path in ("/reports", "/reports/"):
                rows = reports.latest("", 500)
                items = "".join(
                    f"<li>{escape(r.definition.get('title', r.name))} (version {r.version}): "
                    + " ".join(
                        f'<a href="/reports/{r.name}.{suffix}">{suffix.upper()}</a>'
                        for suffix in ("html", "csv", "xlsx", "json")
                    )
                    + "</li>"
                    for r in rows
                )
                page = (
                    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    "<title>Saved reports</title></head><body><h1>Saved reports</h1>"
                    f"<ul>{items or '<li>None saved yet (SaveReport).</li>'}</ul></body></html>"
                )
                self._reply(200, page.encode(), "text/html; charset=utf-8")
                return
            found = PATH.match(url.path)
            if not found:
                self._reply(
                    404,
                    b"Not found: /reports/<name>.<html|csv|xlsx|json>\n",
                    "text/plain; charset=utf-8",
                )
                return
            name, suffix = found.groups()
            version_text = parse_qs(url.query).get("version", ["0"])[0]
            if not version_text.isdigit():
                self._reply(400, b"version: a whole number\n", "text/plain; charset=utf-8")
                return
            try:
                definition = from_row(reports.get(name, int(version_text)))
            except NoSuchReport as err:
                self._reply(404, f"{err}\n".encode(), "text/plain; charset=utf-8")
                return
            refusal = saved.refusal(definition, principal, return_readers)
            if refusal:
                self._reply(403, f"{refusal}\n".encode(), "text/plain; charset=utf-8")
                return
            fmt = FORMATS_BY_SUFFIX[suffix]
            result = saved.run(store, definition, now, principal.id)
            content_type = CONTENT_TYPES[fmt][0]
            disposition = (
                {}
                if suffix == "html"
                else {
                    "Content-Disposition": "attachment; "
                    f'filename="{file_name(definition, fmt, now)}"'
                }
            )
            self._reply(200, render(result, fmt, now), content_type, disposition)

    host, _, port = listen.rpartition(":")
    server = (
        ThreadingHTTPServer((host, int(port)), Handler)
        if tls is None
        else _HttpsServer((host, int(port)), Handler, tls)
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="reports-http", daemon=True)
    thread.start()
    scheme = "http" if tls is None else "https"
    log.info("reports over HTTP", extra={"fields": {"url": f"{scheme}://{listen}/reports/"}})

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return stop


class _HttpsServer(ThreadingHTTPServer):
    """Each connection's TLS handshake runs in its own thread, so that a slow or
    refused client never holds up the others."""

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(address, handler)
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(HANDSHAKE_SECONDS)
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            log.info("https handshake refused", extra={"fields": {"reason": str(err)}})
            return
        request.settimeout(None)
        try:
            super().finish_request(request, client_address)
        finally:
            request.close()
