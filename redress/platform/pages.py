"""Pages that end before they grow too large to send.

A listing's page_size counts items, but items differ in size by orders of
magnitude (a letter, an article of 200,000 characters, a note of 32,000
four-byte characters). So every listing also ends its page before its items
pass PAGE_BYTES, and hands back a page token that goes on from there: no
answer comes near gRPC's 4 MB default or Redress's 8 MB limit
(redress/platform/channels.py), however large what it lists has grown.
Sizes are the encoded protobuf sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

PAGE_BYTES = 2 << 20


class Sized(Protocol):
    def ByteSize(self) -> int: ...


S = TypeVar("S", bound=Sized)


def page_within(items: Sequence[S], budget: int = PAGE_BYTES) -> int:
    """How many of `items`, from the first, a page carries: those within
    `budget` bytes, and at least one, so that paging always moves on."""
    total = 0
    for taken, item in enumerate(items):
        total += item.ByteSize() + 4  # the field's tag and length
        if total > budget and taken > 0:
            return taken
    return len(items)
