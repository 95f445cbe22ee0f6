"""Where a webhook may post: public addresses, or the networks an administrator allows.

A webhook's URL is chosen by an administrator, but what it reaches is decided
by DNS and by the network the follow-up service runs in. Left alone, a webhook
to `http://169.254.169.254/` or `http://10.0.0.5:6379/` would make the service
call the cloud's metadata endpoint or an internal port, and its delivery log
would say which ports answer. So every address a target resolves to must be
public (`ipaddress`' `is_global`: no loopback, private, link-local, shared,
reserved, multicast or unspecified address, IPv4-mapped and NAT64 forms read as
the IPv4 address they carry), or inside REDRESS_WEBHOOK_ALLOWED_NETWORKS. It is
checked when the webhook is created and again at every delivery, because DNS
can change: the delivery then connects to the very address that was checked.

Decimal, hex, octal and short forms of IPv4 (`2130706433`, `0x7f000001`,
`127.1`) are read by the resolver as the address they stand for, and checked as
that address.
"""

from __future__ import annotations

import ipaddress
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class TargetRefused(Exception):
    """The webhook's host is, or resolves to, an address webhooks may not reach."""


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.20.0.0/16, 127.0.0.1, ::1/128` as networks; a ValueError names a wrong one."""
    networks: list[Network] = []
    for part in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as err:
            raise ValueError(f"{part!r} is not an IP network such as 10.20.0.0/16") from err
    return tuple(networks)


def _carried(address: Address) -> list[Address]:
    """The address and any IPv4 address it carries (mapped, 6to4, NAT64)."""
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def allowed(address: Address, networks: tuple[Network, ...]) -> bool:
    carried = _carried(address)
    if any(a in n for a in carried for n in networks if a.version == n.version):
        return True
    return all(a.is_global and not a.is_multicast for a in carried)


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to, in the resolver's order (OSError if none)."""
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        # An IPv6 link-local answer may carry its zone: fe80::1%eth0.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def checked_addresses(host: str, port: int, networks: tuple[Network, ...]) -> list[Address]:
    """The addresses to connect to for `host`, all of them allowed, or TargetRefused.

    One address not allowed refuses the target: which of them a client picks is
    not ours to choose, and a DNS name that mixes the two is a rebinding trick."""
    addresses = resolve(host, port)
    if not addresses or not all(allowed(a, networks) for a in addresses):
        raise TargetRefused(
            "the webhook's host is or resolves to a loopback, private, link-local or other "
            "non-public address; an administrator may allow its network with "
            "REDRESS_WEBHOOK_ALLOWED_NETWORKS"
        )
    return addresses
