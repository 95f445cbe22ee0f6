"""A complaint's priority: its name in rules, letters and reports, its rank in the case store.

The case store keeps the rank (1 low to 4 urgent) so that listing by urgency
is an index scan; everything a person reads shows the name. The ranks are
the domain's own; the API's enum happens to number them alike, and the
conversion between the two goes by name.
"""

from __future__ import annotations

# In rising urgency; a priority's rank is its place here, from 1.
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_PRIORITY = "normal"


def priority_rank(name: str) -> int:
    """1 (low) to 4 (urgent); 0 for an unknown name."""
    return PRIORITIES.index(name) + 1 if name in PRIORITIES else 0


def priority_name(rank: int) -> str:
    """The priority of a stored rank; the rank as text if there is no such priority."""
    return PRIORITIES[rank - 1] if 1 <= rank <= len(PRIORITIES) else str(rank)


def more_urgent(name: str, than: str) -> bool:
    return priority_rank(name) > priority_rank(than)
