"""Protobuf enum values <-> the short names stored and shown to people.

`Channel.CHANNEL_POSTAL` is stored as "postal"; `Regime.REGIME_UK_FCA` as "uk_fca".
"""

from __future__ import annotations

from typing import Any

from redress.common.v1 import common_pb2


def _prefix(enum: Any) -> str:
    return enum.Name(0).removesuffix("UNSPECIFIED")


# Per enum (by its full name), each value's short name and back: every
# record read or written converts several, so they are worked out once.
_SHORT_NAMES: dict[str, dict[int, str]] = {}
_VALUES: dict[str, dict[str, int]] = {}


def _names(enum: Any) -> tuple[dict[int, str], dict[str, int]]:
    """The enum's short name of each value, and each short name's value."""
    key = enum.DESCRIPTOR.full_name
    if key not in _SHORT_NAMES:
        prefix = _prefix(enum)
        names = {int(v): str(enum.Name(v)).removeprefix(prefix).lower() for v in enum.values() if v}
        _SHORT_NAMES[key] = names
        _VALUES[key] = {name: v for v, name in names.items()}
    return _SHORT_NAMES[key], _VALUES[key]


def short_name(enum: Any, value: int) -> str:
    """ "" for the unspecified value or an unknown number."""
    return _names(enum)[0].get(value, "")


def from_short_name(enum: Any, name: str) -> int:
    """0 (unspecified) when the name is empty or unknown."""
    return _names(enum)[1].get(name.lower(), 0) if name else 0


def choices(enum: Any) -> list[str]:
    return [short_name(enum, v) for v in enum.values() if v != 0]


Channel = common_pb2.Channel
Priority = common_pb2.Priority
Regime = common_pb2.Regime
