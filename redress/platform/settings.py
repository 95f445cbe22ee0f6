"""Reading a process's configuration from environment variables.

Each process declares its settings as a frozen dataclass built by
`from_env()`. Every bad value is collected and reported at once, naming the
variable and what it expects, so that a process refuses to start with a clear
message instead of failing later.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

LOG_LEVELS = ("debug", "info", "warning", "error")


class SettingsError(Exception):
    """One or more environment variables have values a process cannot use."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class Env:
    """Typed reads of environment variables that remember every problem."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.problems: list[str] = []

    def _read(self, name: str, default: T, parse: Callable[[str], T], expected: str) -> T:
        raw = self.environ.get(name)
        if raw is None or raw == "":
            return default
        try:
            return parse(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r}: expected {expected}")
            return default

    def string(self, name: str, default: str) -> str:
        return self._read(name, default, lambda s: s, "text")

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        def parse(s: str) -> int:
            value = int(s)
            if value < minimum:
                raise ValueError
            return value

        return self._read(name, default, parse, f"a whole number >= {minimum}")

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        def parse(s: str) -> float:
            value = float(s)
            if value < minimum:
                raise ValueError
            return value

        return self._read(name, default, parse, f"a number >= {minimum}")

    def flag(self, name: str, default: bool) -> bool:
        def parse(s: str) -> bool:
            lowered = s.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError

        return self._read(name, default, parse, "true or false")

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        def parse(s: str) -> str:
            if s.lower() not in choices:
                raise ValueError
            return s.lower()

        return self._read(name, default, parse, "one of " + ", ".join(choices))

    def address(self, name: str, default: str) -> str:
        """host:port, where port is 0..65535 (0 picks a free port)."""

        def parse(s: str) -> str:
            host, sep, port = s.rpartition(":")
            if not sep or not host or not port.isdigit() or int(port) > 65535:
                raise ValueError
            return s

        return self._read(name, default, parse, "host:port, e.g. 127.0.0.1:50051")

    def path(self, name: str, default: str) -> Path:
        return Path(self.string(name, default))

    def readable_file(self, name: str) -> Path | None:
        """An optional file that must exist and be readable when named."""
        raw = self.environ.get(name)
        if not raw:
            return None
        path = Path(raw)
        try:
            with path.open("rb"):
                pass
        except FileNotFoundError:
            self.problems.append(f"{name}={raw!r}: no such file")
        except IsADirectoryError:
            self.problems.append(f"{name}={raw!r}: is a directory, expected a file")
        except OSError as err:
            self.problems.append(f"{name}={raw!r}: cannot read it ({err.strerror})")
        else:
            return path
        return None

    def check(self) -> None:
        if self.problems:
            raise SettingsError(self.problems)


def data_dir() -> Path:
    """Where the embedded defaults keep their files (./var unless REDRESS_DATA_DIR)."""
    return Path(os.environ.get("REDRESS_DATA_DIR") or "var")
