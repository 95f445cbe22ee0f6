"""`redress social post`: sends a signed webhook to the social and chat
adapter, as a platform would, for trying it locally (README, "Social media
and chat"; docs/social.md)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from redress.cli.calling import CliError
from redress.platform.signatures import sign

PATHS = {"message": "/social/messages", "transcript": "/chat/transcripts"}


def secret_for(path: Path, source: str) -> str:
    try:
        lines = path.read_text().splitlines()
    except OSError as err:
        raise CliError(f"cannot read {path} ({err.strerror}); pass --secrets-file") from err
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and not line.lstrip().startswith("#") and parts[0] == source:
            return parts[1]
    raise CliError(f"{path} has no secret for the source {source!r}")


def cmd_post(args: argparse.Namespace) -> None:
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text()
    try:
        payload: Any = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError(f"{args.file} is not JSON: {err}") from err
    source = args.source or (payload.get("source", "") if isinstance(payload, dict) else "")
    if not source:
        raise CliError("give --source, or a `source` in the payload")
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        args.url.rstrip("/") + PATHS[args.kind],
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Redress-Source": source,
            "X-Redress-Timestamp": stamp,
            "X-Redress-Signature": sign(secret_for(Path(args.secrets_file), source), stamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as answer:
            print(answer.read().decode())
    except urllib.error.HTTPError as err:
        raise CliError(f"HTTP {err.code}: {err.read().decode(errors='replace')}") from None
    except OSError as err:
        raise CliError(f"cannot reach {args.url}: {err}; is `make run` running?") from None


def add_social_commands(sub: Any) -> None:
    social = sub.add_parser("social", help="the social media and chat webhooks").add_subparsers(
        dest="action", required=True
    )
    post = social.add_parser("post", help="send a signed message or chat transcript (JSON file)")
    post.add_argument("file", help="the JSON payload (docs/social.md), or - for stdin")
    post.add_argument("--kind", choices=tuple(PATHS), default="message")
    post.add_argument("--source", help="the platform; defaults to the payload's `source`")
    post.add_argument("--url", default="http://127.0.0.1:8097", help="the adapter's address")
    post.add_argument(
        "--secrets-file",
        default="var/social-secrets.txt",
        help="`<source> <secret>` lines, as REDRESS_SOCIAL_SECRETS_FILE",
    )
    post.set_defaults(run=cmd_post)
