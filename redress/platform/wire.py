"""Conversions between Python values and the protobuf well-known types on the wire.

Every service and the workflow's activities speak Timestamps and Durations;
these are the one place they are made, always in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(value: datetime) -> Timestamp:
    """A Timestamp for an aware datetime, in UTC."""
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp


def optional_timestamp(value: datetime | None) -> Timestamp | None:
    """None for no time, so that a message field is left unset."""
    return timestamp(value) if value is not None else None


def from_timestamp(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def time_or_none(stamp: Timestamp) -> datetime | None:
    """None for an unset Timestamp (zero seconds and nanos)."""
    if not stamp.seconds and not stamp.nanos:
        return None
    return from_timestamp(stamp)


def duration(seconds: float) -> Duration:
    """A Duration of at least zero seconds: time left never shows as negative."""
    d = Duration()
    d.FromTimedelta(timedelta(seconds=max(0.0, seconds)))
    return d
