"""The signed webhook endpoints, as a WSGI application.

    POST /social/messages    one post or direct message (docs/social.md)
    POST /chat/transcripts   a chat's transcript, sent when the chat ends
    GET  /healthz            200 while the process runs

Every POST carries X-Redress-Source, X-Redress-Timestamp and
X-Redress-Signature (redress/platform/signatures.py); the signature is
checked over the raw body with the source's own secret before the body is
read as JSON.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from redress.platform.errors import field_violations
from redress.platform.signatures import BadSignature, verify
from services.intake.social.filing import Filed, NotYetFiled, SocialFiling
from services.intake.social.messages import PayloadProblems, chat_transcript, social_message

log = logging.getLogger("redress.social")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class SecretsFileError(Exception):
    pass


def load_secrets(path: Path) -> dict[str, str]:
    """`<source> <secret>` a line; `#` starts a comment. One secret a source,
    so that a leaked secret lets no one post as another platform."""
    try:
        text = path.read_text()
    except OSError as err:
        raise SecretsFileError(f"cannot read the secrets file {path} ({err.strerror})") from err
    found: dict[str, str] = {}
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            problems.append(f"{path}:{number}: expected `<source> <secret>`")
        elif len(parts[1]) < 16:
            problems.append(f"{path}:{number}: a secret is at least 16 characters")
        elif parts[0] in found:
            problems.append(f"{path}:{number}: {parts[0]} has a secret already")
        else:
            found[parts[0]] = parts[1]
    if problems:
        raise SecretsFileError("\n".join(problems))
    if not found:
        raise SecretsFileError(f"{path}: no source has a secret")
    return found


@dataclass(frozen=True)
class WebhookSettings:
    replay_window_seconds: float = 300.0
    max_body_bytes: int = 512 * 1024


# gRPC refusals a sender can act on, and the HTTP status each becomes.
HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: "422 Unprocessable Entity",
    grpc.StatusCode.NOT_FOUND: "404 Not Found",
    grpc.StatusCode.ALREADY_EXISTS: "409 Conflict",
    grpc.StatusCode.FAILED_PRECONDITION: "409 Conflict",
    grpc.StatusCode.UNAVAILABLE: "503 Service Unavailable",
    grpc.StatusCode.DEADLINE_EXCEEDED: "503 Service Unavailable",
}


class SocialWebhooks:
    def __init__(
        self, filing: SocialFiling, secrets: dict[str, str], settings: WebhookSettings
    ) -> None:
        self.filing = filing
        self.secrets = secrets
        self.settings = settings
        self.routes: dict[str, Callable[[Any, str], Filed]] = {
            "/social/messages": lambda data, source: filing.message(social_message(data, source)),
            "/chat/transcripts": lambda data, source: filing.transcript(
                chat_transcript(data, source)
            ),
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method == "GET":
            return _answer(start_response, "200 OK", {"status": "serving"})
        route = self.routes.get(path)
        if route is None:
            return _answer(start_response, "404 Not Found", {"error": f"no endpoint {path}"})
        if method != "POST":
            return _answer(start_response, "405 Method Not Allowed", {"error": "POST only"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self.settings.max_body_bytes:
            return _answer(
                start_response,
                "413 Content Too Large",
                {"error": f"the body is at most {self.settings.max_body_bytes} bytes"},
            )
        body = environ["wsgi.input"].read(length)
        source = environ.get("HTTP_X_REDRESS_SOURCE", "")
        secret = self.secrets.get(source)
        try:
            if secret is None:
                raise BadSignature(
                    "X-Redress-Source names no source this endpoint has a secret for"
                )
            verify(
                secret,
                environ.get("HTTP_X_REDRESS_TIMESTAMP", ""),
                environ.get("HTTP_X_REDRESS_SIGNATURE", ""),
                body,
                time.time(),
                self.settings.replay_window_seconds,
            )
        except BadSignature as err:
            log.warning("refused an unsigned webhook", extra={"fields": {"reason": str(err)}})
            return _answer(start_response, "401 Unauthorized", {"error": str(err)})
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            return _answer(start_response, "400 Bad Request", {"error": f"not JSON: {err}"})
        try:
            filed = route(data, source)
        except PayloadProblems as err:
            return _answer(
                start_response,
                "422 Unprocessable Entity",
                {"error": "the payload is not valid", "problems": _problems(err.problems)},
            )
        except NotYetFiled as err:
            return _answer(
                start_response, "503 Service Unavailable", {"error": str(err)}, retry=True
            )
        except grpc.RpcError as err:
            return self._refused(start_response, err)
        log.info(
            "webhook filed",
            extra={"fields": {"source": source, "path": path, **filed.as_json()}},
        )
        return _answer(start_response, "200 OK", filed.as_json())

    def _refused(self, start_response: StartResponse, err: grpc.RpcError) -> Iterable[bytes]:
        code = err.code()  # type: ignore[attr-defined]
        status = HTTP_STATUS.get(code)
        if status is None:
            # A wrong key or role, or a fault: the sender cannot fix it.
            log.error(
                "intake or cases refused the social adapter",
                extra={"fields": {"code": code.name, "details": err.details()}},  # type: ignore[attr-defined]
            )
            return _answer(
                start_response,
                "502 Bad Gateway",
                {"error": "Redress could not file this message; its operators are told"},
                retry=True,
            )
        answer: dict[str, Any] = {"error": err.details()}  # type: ignore[attr-defined]
        violations = field_violations(err)
        if violations:
            answer["problems"] = _problems([(v.field, v.description) for v in violations])
        return _answer(start_response, status, answer, retry=status.startswith("503"))


def _problems(items: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"field": field, "description": description} for field, description in items]


def _answer(
    start_response: StartResponse, status: str, body: dict[str, Any], retry: bool = False
) -> Iterable[bytes]:
    data = json.dumps(body, sort_keys=True).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if retry:
        headers.append(("Retry-After", "5"))
    start_response(status, headers)
    return [data]
