"""The policy version a case runs under, found once per process.

A published policy version never changes, so each is parsed once. A case
that runs under the shipped policy which was never published as a document
has the shipped one.
"""

from __future__ import annotations

from collections.abc import Callable

from redress.domain.policy import Policy


class PolicyVersions:
    def __init__(
        self,
        published_document: Callable[[str, str], str | None],
        *,
        shipped_for_unknown: bool = False,
    ) -> None:
        # (policy id, version) -> the published document, or None.
        self._published_document = published_document
        # Figures over many cases read a policy per case: a version that was
        # never published is taken as the shipped policy, once, not looked up
        # again for every case.
        self._shipped_for_unknown = shipped_for_unknown
        self._known: dict[tuple[str, str], Policy] = {}
        self._shipped = Policy.load_default()

    def find(self, policy_id: str, version: str) -> Policy | None:
        """The published version, else the shipped policy if it is that one
        (or for any unknown version, when asked to), else None."""
        key = (policy_id, version)
        if key not in self._known:
            document = self._published_document(policy_id, version) if policy_id else None
            if document is not None:
                self._known[key] = Policy.load(document)
            elif key == (self._shipped.id, self._shipped.version) or self._shipped_for_unknown:
                self._known[key] = self._shipped
            else:
                return None
        return self._known[key]
