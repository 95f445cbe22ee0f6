"""Regulatory regimes as data: each regime's clocks (how long, in which unit,
from which event, citing which regulation), read from pack files and from a
policy's `regimes` section, every problem reported with its path.

The packs shipped with Redress are `redress/domain/regimes/*.yaml`; adding
another industry's regime is such a file (or a policy's `regimes` section)
and, when its clocks count business days, a calendar.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

UNITS = ("calendar_days", "business_days", "weeks")
STARTS = ("receipt", "awareness")
PACK_DIR = Path(__file__).parent / "regimes"

_REGIME_KEYS = {"title", "calendar", "event_kinds", "final_response_clock", "clocks"}
_CLOCK_KEYS = {
    "name",
    "length",
    "unit",
    "from",
    "applies_to",
    "pausable",
    "regulation",
    "description",
}
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class RegimePackError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid regime definition:\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class RegimeClock:
    name: str
    length: int
    unit: str  # one of UNITS
    starts_from: str  # one of STARTS
    regulation: str
    description: str
    # The event kinds (of the regime's `event_kinds`) that start an awareness
    # clock; empty for receipt clocks.
    applies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegimeDefinition:
    name: str
    title: str
    clocks: tuple[RegimeClock, ...]
    # The calendar business-day clocks count in when the policy names none
    # for the regime ("" is the policy's own calendar).
    calendar: str = ""
    event_kinds: tuple[str, ...] = ()
    # The clock whose deadline is the final response's ("" when none is).
    final_response_clock: str = ""

    def clocks_from(self, event: str, kind: str = "") -> tuple[RegimeClock, ...]:
        """The clocks started by receipt, or by awareness of an event of `kind`."""
        return tuple(
            c
            for c in self.clocks
            if c.starts_from == event and (event == "receipt" or kind in c.applies_to)
        )


def parse_regimes(document: Any, path: str = "") -> dict[str, RegimeDefinition]:
    """Regime definitions from a mapping of regime names to definitions;
    raises RegimePackError listing every problem with its path."""
    reader = _Reader()
    found = reader.regimes(document, path)
    if reader.problems:
        raise RegimePackError(reader.problems)
    return found


def load_pack(file: Path) -> dict[str, RegimeDefinition]:
    try:
        document = yaml.safe_load(file.read_text())
    except yaml.YAMLError as err:
        raise RegimePackError([f"{file.name}: not valid YAML: {err}"]) from None
    return parse_regimes(document, file.name)


@functools.lru_cache(maxsize=1)
def shipped_regimes() -> dict[str, RegimeDefinition]:
    """The regimes of the packs shipped with Redress, by name."""
    found: dict[str, RegimeDefinition] = {}
    for file in sorted(PACK_DIR.glob("*.yaml")):
        for name, regime in load_pack(file).items():
            if name in found:
                raise RegimePackError([f"{file.name}.{name}: defined in another pack too"])
            found[name] = regime
    return found


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def regimes(self, document: Any, path: str) -> dict[str, RegimeDefinition]:
        where = path or "regimes"
        if not isinstance(document, dict) or not document:
            self.fail(where, "expected a mapping of regime names to definitions")
            return {}
        found = {}
        for name, body in document.items():
            here = f"{path}.{name}" if path else str(name)
            if not isinstance(name, str) or set(name) - _NAME_CHARS or name == "none":
                self.fail(here, "a regime's name is lower-case letters, digits and _, not none")
                continue
            regime = self.regime(name, body, here)
            if regime is not None:
                found[name] = regime
        return found

    def regime(self, name: str, body: Any, path: str) -> RegimeDefinition | None:
        if not isinstance(body, dict):
            self.fail(path, "expected a mapping with title and clocks")
            return None
        for key in sorted(set(map(str, body)) - _REGIME_KEYS):
            self.fail(f"{path}.{key}", f"unknown field; one of {', '.join(sorted(_REGIME_KEYS))}")
        kinds = self.names(body.get("event_kinds"), f"{path}.event_kinds")
        raw = body.get("clocks")
        clocks: list[RegimeClock] = []
        if not isinstance(raw, list) or not raw:
            self.fail(f"{path}.clocks", "expected a list of at least one clock")
        else:
            for i, item in enumerate(raw):
                clock = self.clock(item, f"{path}.clocks[{i}]", kinds)
                if clock is not None:
                    clocks.append(clock)
        names = [c.name for c in clocks]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            self.fail(f"{path}.clocks", f"clock {dup!r} is defined more than once")
        final = self.text(body.get("final_response_clock"), f"{path}.final_response_clock")
        if final and final not in names:
            self.fail(f"{path}.final_response_clock", f"{final!r} is not one of its clocks")
        if any(c.starts_from == "awareness" for c in clocks) and not kinds:
            self.fail(f"{path}.event_kinds", "required when a clock runs from awareness")
        return RegimeDefinition(
            name=name,
            title=self.text(body.get("title"), f"{path}.title", required=True),
            clocks=tuple(clocks),
            calendar=self.text(body.get("calendar"), f"{path}.calendar"),
            event_kinds=kinds,
            final_response_clock=final,
        )

    def clock(self, item: Any, path: str, kinds: tuple[str, ...]) -> RegimeClock | None:
        if not isinstance(item, dict):
            self.fail(path, "expected a mapping with name, length, unit, from and regulation")
            return None
        for key in sorted(set(map(str, item)) - _CLOCK_KEYS):
            self.fail(f"{path}.{key}", f"unknown field; one of {', '.join(sorted(_CLOCK_KEYS))}")
        name = self.text(item.get("name"), f"{path}.name", required=True)
        if name and set(name) - _NAME_CHARS:
            self.fail(f"{path}.name", "lower-case letters, digits and _")
        length = item.get("length")
        if isinstance(length, bool) or not isinstance(length, int) or length < 1:
            self.fail(f"{path}.length", "expected a whole number of at least 1")
            length = 1
        unit = item.get("unit")
        if unit not in UNITS:
            self.fail(f"{path}.unit", f"{unit!r} is not one of {', '.join(UNITS)}")
        starts = item.get("from")
        if starts not in STARTS:
            self.fail(f"{path}.from", f"{starts!r} is not one of {', '.join(STARTS)}")
        if item.get("pausable", False) is not False:
            self.fail(
                f"{path}.pausable",
                "a regulatory clock never pauses: the regulator's deadline runs "
                "whatever the case is waiting on",
            )
        applies_to = self.names(item.get("applies_to"), f"{path}.applies_to")
        if starts == "awareness" and not applies_to:
            self.fail(f"{path}.applies_to", "required for a clock that runs from awareness")
        if starts == "receipt" and applies_to:
            self.fail(f"{path}.applies_to", "only a clock that runs from awareness has one")
        for kind in applies_to:
            if kind not in kinds:
                self.fail(f"{path}.applies_to", f"{kind!r} is not one of the regime's event_kinds")
        return RegimeClock(
            name=name,
            length=length,
            unit=str(unit),
            starts_from=str(starts),
            regulation=self.text(item.get("regulation"), f"{path}.regulation", required=True),
            description=self.text(item.get("description"), f"{path}.description", required=True),
            applies_to=applies_to,
        )

    def text(self, value: Any, path: str, required: bool = False) -> str:
        if value is None or value == "":
            if required:
                self.fail(path, "required")
            return ""
        if not isinstance(value, str):
            self.fail(path, "expected text")
            return ""
        return value.strip()

    def names(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(path, "expected a list of names")
            return ()
        return tuple(value)
