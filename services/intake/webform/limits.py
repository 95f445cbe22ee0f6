"""Per-address rate limits in bounded memory.

Each address may make `limit` requests in any `window_seconds` (a sliding
window kept as the times of its recent requests). At most `max_addresses`
addresses are remembered: when more arrive, those heard from longest ago
are forgotten first, so a flood of addresses cannot exhaust memory (it can
only make the limit forget a quiet address early). IPv6 addresses count by
their /64 network, which one customer's connection usually holds whole.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


def address_key(address: str) -> str:
    """What the limit counts by: the IPv4 address, or an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimiter:
    def __init__(
        self,
        limit: int,
        window_seconds: float,
        max_addresses: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_seconds <= 0 or max_addresses < 1:
            raise ValueError("limit, window and max_addresses must be positive")
        self.limit = limit
        self.window = window_seconds
        self.max_addresses = max_addresses
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, address: str) -> bool:
        """Counts a request from `address`; False when it is over the limit
        (a refused request is not counted, so waiting always helps)."""
        key = address_key(address)
        now = self.clock()
        with self._lock:
            times = self._seen.get(key)
            if times is None:
                times = deque()
                self._seen[key] = times
                while len(self._seen) > self.max_addresses:
                    self._seen.popitem(last=False)
            else:
                self._seen.move_to_end(key)
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may send again (at least 1)."""
        key = address_key(address)
        now = self.clock()
        with self._lock:
            times = self._seen.get(key)
            if not times or len(times) < self.limit:
                return 1
            return max(1, int(self.window - (now - times[0])) + 1)

    def __len__(self) -> int:
        return len(self._seen)
