"""Protobuf enum values <-> the short names stored and shown to people.

`Channel.CHANNEL_POSTAL` is stored as "postal"; `Regime.REGIME_UK_FCA` as "uk_fca".
"""

from __future__ import annotations

from typing import Any

from redress.common.v1 import common_pb2


def _prefix(enum: Any) -> str:
    return enum.Name(0).removesuffix("UNSPECIFIED")


def short_name(enum: Any, value: int) -> str:
    """ "" for the unspecified value or an unknown number."""
    if value == 0:
        return ""
    try:
        return str(enum.Name(value)).removeprefix(_prefix(enum)).lower()
    except ValueError:
        return ""


def from_short_name(enum: Any, name: str) -> int:
    """0 (unspecified) when the name is empty or unknown."""
    if not name:
        return 0
    try:
        return int(enum.Value(_prefix(enum) + name.upper()))
    except ValueError:
        return 0


def choices(enum: Any) -> list[str]:
    return [short_name(enum, v) for v in enum.values() if v != 0]


Channel = common_pb2.Channel
Priority = common_pb2.Priority
Regime = common_pb2.Regime
