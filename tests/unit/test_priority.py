"""Priorities: the name people read and the rank the case store sorts by."""

from __future__ import annotations

from redress.common.v1 import common_pb2
from redress.domain.priority import PRIORITIES, more_urgent, priority_name, priority_rank
from redress.platform.enums import Priority, from_short_name, short_name


def test_ranks_rise_with_urgency_and_name_back():
    assert [priority_rank(p) for p in PRIORITIES] == [1, 2, 3, 4]
    assert [priority_name(r) for r in (1, 2, 3, 4)] == ["low", "normal", "high", "urgent"]
    assert more_urgent("urgent", "high") and not more_urgent("low", "normal")


def test_unknown_priorities_are_told_apart():
    assert priority_rank("") == 0 and priority_rank("critical") == 0
    assert priority_name(0) == "0" and priority_name(9) == "9"


def test_every_api_priority_has_a_domain_rank_and_comes_back_by_name():
    for value in common_pb2.Priority.values():
        name = short_name(Priority, value)
        if not value:
            assert priority_rank(name) == 0
            continue
        assert from_short_name(Priority, priority_name(priority_rank(name))) == value
