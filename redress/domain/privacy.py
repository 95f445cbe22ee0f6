"""Which recorded values are a customer's personal data (docs/privacy.md).

Pure rules shared by every owner of personal data: the case store erases
its audit values and texts by them, services/followup its letters and
webhook deliveries.
"""

from __future__ import annotations

# Audit actions whose values are the customer's words or how they want to be
# contacted. Other entries are erased where they quote the customer's name,
# addresses or references (a mail server's answer naming the address, a
# reason typed by staff).
PERSONAL_ACTIONS = frozenset(
    {
        "customer.replied",
        "customer.preferences_changed",
        "customer.merged_from_case",
        "satisfaction.recorded",
        # Staff's own words about the customer, as in notes.
        "reminder.set",
        "reminder.delivered",
        # A file's name is often the customer's ("Jana Kundin passport.jpg").
        "attachment.added",
        "attachment.refused",
    }
)


def identifiers_of(
    full_name: str,
    email: str,
    phone: str,
    external_ref: str,
    address: dict[str, object],
    social_handle: str = "",
) -> list[str]:
    """Strings that identify the customer wherever they are quoted. A social
    handle ("twitter:@jane") is quoted as "@jane" as often as whole."""
    lines = address.get("lines", [])
    found = [
        full_name,
        email,
        phone,
        external_ref,
        address.get("postal_code", ""),
        *(lines if isinstance(lines, list) else []),
        social_handle,
        social_handle.partition(":")[2],
    ]
    return [x.lower() for x in found if isinstance(x, str) and len(x.strip()) >= 3]


def is_personal(action: str, values: list[str], identifiers: list[str]) -> bool:
    """Whether an audit entry's values are to be erased with its customer."""
    if action in PERSONAL_ACTIONS:
        return True
    text = "\n".join(values).lower()
    return any(x in text for x in identifiers)


def count_erased(erased: dict[str, int], kind: str, n: int = 1) -> None:
    """Adds to the tally of erased values by kind ("notes", "messages"...); never the values."""
    if n:
        erased[kind] = erased.get(kind, 0) + n
