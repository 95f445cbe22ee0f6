"""Calling the services from the command line: which key, which address, and a
refusal turned into what the person should fix."""

from __future__ import annotations

import argparse
import os
from typing import Any

import grpc
from google.protobuf import json_format

from redress.platform import channels
from redress.platform.errors import error_reasons
from redress.platform.settings import SettingsError, data_dir

DEFAULT_PORTS = {
    "intake": 50051,
    "cases": 50052,
    "followup": 50053,
    "knowledge": 50054,
    "reporting": 50055,
}


class CliError(Exception):
    pass


def api_key(args: argparse.Namespace) -> str:
    if args.api_key:
        return str(args.api_key)
    if os.environ.get("REDRESS_API_KEY"):
        return os.environ["REDRESS_API_KEY"]
    local = data_dir() / "admin.key"
    if local.exists():
        return local.read_text().strip()
    raise CliError(
        "no API key: pass --api-key, set REDRESS_API_KEY, or run `make run` first "
        f"(it writes the local administrator's key to {local})"
    )


def address(service: str, args: argparse.Namespace) -> str:
    return str(
        getattr(args, f"{service}_address", None)
        or os.environ.get(f"REDRESS_{service.upper()}_ADDRESS")
        or f"127.0.0.1:{DEFAULT_PORTS[service]}"
    )


def open_channel(where: str) -> grpc.Channel:
    try:
        return channels.channel(where)
    except SettingsError as err:
        raise CliError(str(err)) from None


def call(args: argparse.Namespace, service: str, stub_type: type, method: str, request: Any) -> Any:
    metadata = (("authorization", f"Bearer {api_key(args)}"),)
    with open_channel(address(service, args)) as channel:
        stub = stub_type(channel)
        try:
            return getattr(stub, method)(request, metadata=metadata, timeout=args.timeout)
        except grpc.RpcError as err:
            code = err.code().name  # type: ignore[attr-defined]
            reasons = "\n  ".join(error_reasons(err))
            raise CliError(f"{service}.{method} failed: {code}:\n  {reasons}") from None


def show_json(message: Any) -> None:
    print(json_format.MessageToJson(message, preserving_proto_field_name=True))


def when(ts: Any) -> str:
    """A Timestamp in UTC, ISO 8601, or "-" when unset."""
    return ts.ToDatetime().isoformat(timespec="seconds") + "Z" if ts.seconds else "-"
