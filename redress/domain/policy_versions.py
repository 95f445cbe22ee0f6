"""The policy version a case runs under, found once per process.

A published policy version never changes, so each is parsed once. A case
that runs under the shipped policy which was never published as a document
has the shipped one.
"""

from __future__ import annotations

from collections.abc import Callable

from redress.domain.policy import Policy


class PolicyVersions:
    def __init__(self, published_document: Callable[[str, str], str | None]) -> None:
        # (policy id, version) -> the published document, or None.
        self._published_document = published_document
        self._known: dict[tuple[str, str], Policy] = {}

    def find(self, policy_id: str, version: str) -> Policy | None:
        """The published version, else the shipped policy if it is that one, else None."""
        key = (policy_id, version)
        if key not in self._known:
            document = self._published_document(policy_id, version) if policy_id else None
            shipped = Policy.load_default()
            if document is not None:
                self._known[key] = Policy.load(document)
            elif key == (shipped.id, shipped.version):
                self._known[key] = shipped
            else:
                return None
        return self._known[key]
