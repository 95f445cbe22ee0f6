"""Webhooks reach public addresses only, or networks an administrator allows;
they follow no redirect, and their log tells nothing of the network."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from redress.db.tables.followup import Delivery
from services.followup import targets
from services.followup.servicer import _unreachable_target
from services.followup.targets import TargetRefused, checked_addresses, parse_networks
from services.followup.webhooks import NO_ANSWER, ReceiverRefused, post_event

LOOPBACK = parse_networks("127.0.0.0/8, ::1/128")
# Hosts of webhook URLs that reach the machine itself, its network or its cloud.
REFUSED_HOSTS = [
    "127.0.0.1",
    "127.1",
    "2130706433",  # 127.0.0.1 in decimal
    "0x7f000001",  # in hex
    "0177.0.0.1",  # in octal
    "localhost",
    "::1",
    "::ffff:127.0.0.1",  # IPv4-mapped IPv6
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "169.254.169.254",
    "0xa9fea9fe",
    "fe80::1",
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "100.64.0.1",  # shared address space
    "0.0.0.0",
    "::",
    "fd00::1",
    "224.0.0.1",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_non_public_addresses_are_refused(host):
    with pytest.raises(TargetRefused):
        checked_addresses(host, 443, ())
    assert "REDRESS_WEBHOOK_ALLOWED_NETWORKS" in _unreachable_target(host, 443, ())


@pytest.mark.parametrize("host", ["8.8.8.8", "2001:4860:4860::8888", "93.184.215.14"])
def test_public_addresses_are_allowed(host):
    assert checked_addresses(host, 443, ()) and not _unreachable_target(host, 443, ())


def test_an_allowed_network_is_reachable_and_nothing_else_is():
    assert checked_addresses("127.0.0.1", 80, LOOPBACK)
    assert checked_addresses("::ffff:127.0.0.1", 80, LOOPBACK)
    with pytest.raises(TargetRefused):
        checked_addresses("10.0.0.5", 80, LOOPBACK)
    with pytest.raises(ValueError, match="not an IP network"):
        parse_networks("127.0.0.0/8, intranet")


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> None:
    """Names resolved to the given addresses, one list per lookup, the last repeated."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        addresses = answers[host].pop(0) if len(answers[host]) > 1 else answers[host][0]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses
        ]

    monkeypatch.setattr(targets.socket, "getaddrinfo", getaddrinfo)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    fake_dns(monkeypatch, {"crm.bank.test": [["93.184.215.14", "10.0.0.5"]]})
    assert _unreachable_target("crm.bank.test", 443, ())


class Server:
    """An HTTP server on loopback answering every POST with `status`."""

    def __init__(self, status: int, location: str = "") -> None:
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append(dict(self.headers))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                body = b"internal: redis 6.2 on 10.0.0.5"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for s in started:
        s.stop()


def delivery() -> Delivery:
    return Delivery(
        delivery_id="D-1",
        webhook_id="W-1",
        event_id="E-1",
        event_type="case.created",
        case_id="C-1",
        sequence=1,
        payload={},
        state="pending",
        attempts=[],
        created_at=datetime.now(UTC),
    )


def test_delivery_checks_the_address_again_and_posts_to_the_one_checked(monkeypatch, servers):
    servers.append(receiver := Server(200))
    url = f"http://crm.bank.test:{receiver.port}/hook"
    # Public when the webhook is created, loopback by the time an event goes.
    fake_dns(monkeypatch, {"crm.bank.test": [["93.184.215.14"], ["127.0.0.1"]]})
    assert _unreachable_target("crm.bank.test", receiver.port, ()) == ""
    with pytest.raises(TargetRefused):
        post_event(url, "s" * 16, delivery(), 5.0)
    assert receiver.requests == []
    # Allowed by an administrator: posted to the address checked, named as the URL says.
    assert post_event(url, "s" * 16, delivery(), 5.0, LOOPBACK) == "HTTP 200"
    assert receiver.requests[0]["Host"] == f"crm.bank.test:{receiver.port}"


def test_a_loopback_receiver_gets_nothing_unless_allowed(servers):
    servers.append(receiver := Server(200))
    for host in ("127.0.0.1", "localhost", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]"):
        with pytest.raises(TargetRefused):
            post_event(f"http://{host}:{receiver.port}/", "s" * 16, delivery(), 5.0)
    assert receiver.requests == []


def test_redirects_are_not_followed(servers):
    servers.append(inside := Server(200))
    servers.append(redirecting := Server(302, f"http://127.0.0.1:{inside.port}/admin"))
    with pytest.raises(ReceiverRefused) as refused:
        post_event(f"http://127.0.0.1:{redirecting.port}/", "s" * 16, delivery(), 5.0, LOOPBACK)
    assert str(refused.value) == "HTTP 302 (redirects are not followed)"
    assert len(redirecting.requests) == 1 and inside.requests == []


def test_the_log_says_the_status_and_nothing_of_the_network(servers):
    servers.append(failing := Server(500))
    with pytest.raises(ConnectionError) as failed:
        post_event(f"http://127.0.0.1:{failing.port}/", "s" * 16, delivery(), 5.0, LOOPBACK)
    assert str(failed.value) == "HTTP 500"
    # A closed port and a port that speaks something else read alike.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    talker = socket.socket()
    talker.bind(("127.0.0.1", 0))
    talker.listen()

    def babble() -> None:
        connection, _ = talker.accept()
        connection.sendall(b"-ERR redis says hello\r\n")
        connection.close()

    threading.Thread(target=babble, daemon=True).start()
    details = set()
    for port in (closed_port, talker.getsockname()[1]):
        with pytest.raises(ConnectionError) as failed:
            post_event(f"http://127.0.0.1:{port}/", "s" * 16, delivery(), 2.0, LOOPBACK)
        details.add(str(failed.value))
    talker.close()
    assert details == {NO_ANSWER}
