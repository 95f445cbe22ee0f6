"""TLS and mutual TLS on every connection of Redress, with certificates made here.

The test makes two certificate authorities with `openssl`: the deployment's,
and a stranger's. It runs the Temporal dev server behind a TLS-terminating
proxy that requires client certificates from the deployment's CA (the dev
server cannot serve TLS itself), then services/cases and services/reporting
with mutual TLS, services/intake with TLS, and the worker, every one of them
reaching Temporal through the proxy with its client certificate. A complaint
filed over TLS then travels intake -> Temporal -> worker -> cases without a
plaintext hop; plaintext callers, callers without a certificate and callers
with the stranger's certificate are refused.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from temporalio.client import Client
from temporalio.service import TLSConfig

from redress.cases.v1 import cases_pb2, cases_pb2_grpc
from redress.common.v1 import common_pb2
from redress.devstack.platform import HOST, LocalPlatform, Ports
from redress.intake.v1 import intake_pb2, intake_pb2_grpc
from redress.platform import channels
from redress.platform.serving import ServingSettings
from redress.platform.settings import Env, SettingsError
from redress.platform.temporal import TemporalSettings
from redress.platform.tls import ClientTls, ServerTls
from tests.conftest import bearer

SERVICE_NAME = "redress.test"
TEMPORAL_NAME = "temporal.redress.test"
CLIENT_NAME = "redress-services"

# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_ca(directory: Path, name: str) -> Pair:
    pair = Pair(directory / f"{name}.pem", directory / f"{name}.key")
    _openssl(
        "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "2", "-subj", f"/CN={name}",
        "-keyout", pair.key, "-out", pair.cert,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return pair


def issue(directory: Path, ca: Pair, name: str, alt_names: str) -> Pair:
    pair = Pair(directory / f"{name}.pem", directory / f"{name}.key")
    csr, extensions = directory / f"{name}.csr", directory / f"{name}.ext"
    extensions.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
        f"subjectAltName={alt_names}\n"
    )
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-subj", f"/CN={name}", "-keyout", pair.key, "-out", csr,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
        "-days", "2", "-extfile", extensions, "-out", pair.cert,
    )  # fmt: skip
    return pair


@dataclass(frozen=True)
class Pki:
    ca: Pair
    stranger_ca: Pair
    server: Pair  # the services' certificate: redress.test and 127.0.0.1
    temporal: Pair  # the proxy in front of Temporal: temporal.redress.test only
    client: Pair  # what Redress's processes present
    stranger: Pair  # a client certificate from another CA


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca, stranger_ca = make_ca(d, "deployment-ca"), make_ca(d, "stranger-ca")
    return Pki(
        ca,
        stranger_ca,
        issue(d, ca, "services", f"DNS:{SERVICE_NAME},IP:127.0.0.1"),
        issue(d, ca, "temporal", f"DNS:{TEMPORAL_NAME}"),
        issue(d, ca, CLIENT_NAME, f"DNS:{CLIENT_NAME}"),
        issue(d, stranger_ca, "stranger", "DNS:stranger.example"),
    )


# ------------------------------------------------------- TLS in front of Temporal


class TlsProxy:
    """Terminates mutual TLS and forwards the bytes to a plaintext server.

    Records the common name of every client admitted and the reason for every
    handshake refused.
    """

    def __init__(self, upstream: int, server: Pair, client_ca: Path) -> None:
        self.upstream = upstream
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(server.cert, server.key)
        self.context.load_verify_locations(cafile=client_ca)
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.context.set_alpn_protocols(["h2"])  # gRPC clients insist on HTTP/2
        self.listener = socket.create_server((HOST, 0))
        self.port = int(self.listener.getsockname()[1])
        self.admitted: list[str] = []
        self.refused: list[str] = []
        self.open: set[socket.socket] = set()
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as err:
            self.refused.append(str(err))
            conn.close()
            return
        subject = dict(item[0] for item in (tls.getpeercert() or {}).get("subject", ()))
        self.admitted.append(str(subject.get("commonName", "")))
        tls.settimeout(None)
        upstream = socket.create_connection((HOST, self.upstream))
        self.open |= {tls, upstream}
        # One thread moves both directions: an SSL object is not used from two threads.
        try:
            while not self.closing:
                readable, _, _ = select.select([tls, upstream], [], [], 1.0)
                if tls in readable or tls.pending():
                    data = tls.recv(65536)
                    if not data:
                        break
                    upstream.sendall(data)
                    while tls.pending():
                        upstream.sendall(tls.recv(65536))
                if upstream in readable:
                    data = upstream.recv(65536)
                    if not data:
                        break
                    tls.sendall(data)
        except (OSError, ssl.SSLError):
            pass
        finally:
            self.open -= {tls, upstream}
            upstream.close()
            tls.close()

    def close(self) -> None:
        self.closing = True
        self.listener.close()
        for s in list(self.open):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# -------------------------------------------------------------------- platform


@dataclass
class TlsPlatform:
    local: LocalPlatform
    pki: Pki
    proxy: TlsProxy

    def address(self, service: str) -> str:
        return self.local.address(service)

    @property
    def admin(self) -> tuple[tuple[str, str], ...]:
        return bearer(self.local.credentials.admin_key)


def process_env(pki: Pki, proxy: TlsProxy) -> dict[str, str]:
    """Every Redress process: mutual TLS as server and client, Temporal through the proxy."""
    return {
        "REDRESS_TLS_CERT_FILE": str(pki.server.cert),
        "REDRESS_TLS_KEY_FILE": str(pki.server.key),
        "REDRESS_TLS_CLIENT_CA_FILE": str(pki.ca.cert),
        "REDRESS_TLS_CA_FILE": str(pki.ca.cert),
        "REDRESS_TLS_CLIENT_CERT_FILE": str(pki.client.cert),
        "REDRESS_TLS_CLIENT_KEY_FILE": str(pki.client.key),
        "REDRESS_TLS_SERVER_NAME": SERVICE_NAME,
        "REDRESS_TEMPORAL_ADDRESS": f"{HOST}:{proxy.port}",
        "REDRESS_TEMPORAL_TLS_CA_FILE": str(pki.ca.cert),
        "REDRESS_TEMPORAL_TLS_CERT_FILE": str(pki.client.cert),
        "REDRESS_TEMPORAL_TLS_KEY_FILE": str(pki.client.key),
        "REDRESS_TEMPORAL_TLS_SERVER_NAME": TEMPORAL_NAME,
        "REDRESS_TEMPORAL_CONNECT_TIMEOUT_SECONDS": "30",
    }


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[TlsPlatform]:
    local = LocalPlatform(tmp_path_factory.mktemp("tls-platform"), Ports.free())
    proxy: TlsProxy | None = None
    try:
        local.start_temporal(persist=False, ui=False)
        proxy = TlsProxy(local.ports.temporal, pki.temporal, pki.ca.cert)
        env = process_env(pki, proxy)
        local.start_service("cases", env)
        # intake serves TLS without asking callers for a certificate.
        local.start_service("intake", {**env, "REDRESS_TLS_CLIENT_CA_FILE": ""})
        local.start_service("reporting", env)
        local.start_worker(env)
        yield TlsPlatform(local, pki, proxy)
    finally:
        local.stop()
        if proxy is not None:
            proxy.close()


def tls(pki: Pki, client: Pair | None = None, ca: Pair | None = None, **kw: str) -> ClientTls:
    return ClientTls(
        enabled=True,
        ca_file=(ca or pki.ca).cert,
        cert_file=client.cert if client else None,
        key_file=client.key if client else None,
        server_name=kw.get("server_name"),
    )


def health(channel: grpc.Channel) -> int:
    return int(
        health_pb2_grpc.HealthStub(channel)
        .Check(health_pb2.HealthCheckRequest(), timeout=10)
        .status
    )


def refused(channel: grpc.Channel) -> grpc.StatusCode:
    with channel, pytest.raises(grpc.RpcError) as caught:
        health(channel)
    return caught.value.code()  # type: ignore[attr-defined, no-any-return]


def complaint() -> intake_pb2.SubmitComplaintRequest:
    return intake_pb2.SubmitComplaintRequest(
        idempotency_key=f"tls-{uuid.uuid4()}",
        channel=common_pb2.CHANNEL_WEB,
        customer=common_pb2.Customer(full_name="Ada Lovelace", email="ada@example.com"),
        product="Credit card",
        narrative="I was charged twice for one purchase.",
    )


# ----------------------------------------------------------------------- tests


def test_a_complaint_filed_over_tls_reaches_its_case_over_mutual_tls(
    platform: TlsPlatform,
) -> None:
    pki = platform.pki
    with channels.channel(platform.address("intake"), tls=tls(pki)) as intake:
        filed = intake_pb2_grpc.IntakeServiceStub(intake).SubmitComplaint(
            complaint(), metadata=platform.admin, timeout=60
        )
    # intake started the workflow through the proxy, the worker ran it through
    # the proxy and stored the case in services/cases over mutual TLS.
    with channels.channel(platform.address("cases"), tls=tls(pki, pki.client)) as cases:
        case = (
            cases_pb2_grpc.CasesServiceStub(cases)
            .GetCase(cases_pb2.GetCaseRequest(case_id=filed.case_id), metadata=platform.admin)
            .case
        )
    assert case.customer.full_name == "Ada Lovelace"
    assert case.workflow_id == filed.workflow_id
    assert set(platform.proxy.admitted) == {CLIENT_NAME}
    assert len(platform.proxy.admitted) >= 3  # intake, worker, reporting at least


def test_health_and_reflection_answer_over_mutual_tls(platform: TlsPlatform) -> None:
    pki = platform.pki
    with channels.channel(platform.address("cases"), tls=tls(pki, pki.client)) as channel:
        assert health(channel) == health_pb2.HealthCheckResponse.SERVING
        replies = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        names = {s.name for reply in replies for s in reply.list_services_response.service}
    assert "redress.cases.v1.CasesService" in names


def test_callers_without_the_right_certificates_are_refused(platform: TlsPlatform) -> None:
    pki, cases = platform.pki, platform.address("cases")
    unavailable = grpc.StatusCode.UNAVAILABLE
    assert refused(grpc.insecure_channel(cases)) == unavailable
    assert refused(grpc.insecure_channel(platform.address("intake"))) == unavailable
    # Mutual TLS: no client certificate, or one from another CA.
    assert refused(channels.channel(cases, tls=tls(pki))) == unavailable
    assert refused(channels.channel(cases, tls=tls(pki, pki.stranger))) == unavailable
    # A client that does not trust the server's CA.
    intake = platform.address("intake")
    assert refused(channels.channel(intake, tls=tls(pki, ca=pki.stranger_ca))) == unavailable


def test_the_server_name_override_checks_the_certificate_against_that_name(
    platform: TlsPlatform,
) -> None:
    pki = platform.pki
    by_name = f"localhost:{platform.local.ports.grpc['intake']}"
    assert refused(channels.channel(by_name, tls=tls(pki))) == grpc.StatusCode.UNAVAILABLE
    with channels.channel(by_name, tls=tls(pki, server_name=SERVICE_NAME)) as channel:
        assert health(channel) == health_pb2.HealthCheckResponse.SERVING


def test_temporal_refuses_a_client_without_a_certificate(platform: TlsPlatform) -> None:
    pki, proxy = platform.pki, platform.proxy
    before = len(proxy.refused)

    async def connect(client: Pair | None) -> Client:
        return await Client.connect(
            f"{HOST}:{proxy.port}",
            tls=TLSConfig(
                server_root_ca_cert=pki.ca.cert.read_bytes(),
                domain=TEMPORAL_NAME,
                client_cert=client.cert.read_bytes() if client else None,
                client_private_key=client.key.read_bytes() if client else None,
            ),
        )

    with pytest.raises(Exception):  # noqa: B017 - the SDK's error type varies with the stage
        asyncio.run(asyncio.wait_for(connect(None), 20))
    assert len(proxy.refused) > before
    client = asyncio.run(connect(pki.client))
    assert asyncio.run(client.service_client.check_health())


def test_saved_reports_are_served_over_https_with_client_certificates(
    platform: TlsPlatform,
) -> None:
    pki = platform.pki
    url = f"https://{HOST}:{platform.local.ports.reports_http}/reports/"
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {platform.local.credentials.admin_key}"}
    )

    def context(client: Pair | None) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=pki.ca.cert)
        if client:
            ctx.load_cert_chain(client.cert, client.key)
        return ctx

    with urllib.request.urlopen(request, context=context(pki.client), timeout=10) as answer:
        assert answer.status == 200
        assert b"<html" in answer.read().lower()
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
        with urllib.request.urlopen(request, context=context(None), timeout=10) as answer:
            answer.read()
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        plain = urllib.request.Request(url.replace("https:", "http:"), headers=request.headers)
        urllib.request.urlopen(plain, timeout=10).read()


def test_cli_console_and_healthcheck_connect_as_configured(
    platform: TlsPlatform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from redress import cli, healthcheck
    from services.console.apis import Apis

    cases = platform.address("cases")
    assert healthcheck.main([cases]) == 1  # plaintext: refused
    for name, value in process_env(platform.pki, platform.proxy).items():
        monkeypatch.setenv(name, value)
    assert healthcheck.main([cases]) == 0
    assert "SERVING" in capsys.readouterr().out
    key = platform.local.credentials.admin_key
    assert cli.main(["--api-key", key, "--cases-address", cases, "case", "list"]) == 0
    assert "C-" in capsys.readouterr().out

    apis = Apis({name: cases for name in ("intake", "cases", "followup", "knowledge", "reporting")},
                channels.client_tls())  # fmt: skip
    try:
        listed = apis.as_person(key).call("cases", "ListCases", cases_pb2.ListCasesRequest())
        assert listed.cases
    finally:
        apis.close()


# ------------------------------------------------------------ bad configuration


def problems(environ: dict[str, str]) -> str:
    env = Env(environ)
    ServingSettings.from_env("cases", 50052, 9102, env)
    ClientTls.from_env(env)
    TemporalSettings.from_env(env)
    with pytest.raises(SettingsError) as caught:
        env.check()
    return str(caught.value)


def test_bad_tls_settings_are_named(pki: Pki, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    assert "REDRESS_TLS_CERT_FILE='" + missing + "': no such file" in problems(
        {"REDRESS_TLS_CERT_FILE": missing, "REDRESS_TLS_KEY_FILE": str(pki.server.key)}
    )
    assert "does not belong to the certificate in REDRESS_TLS_CERT_FILE" in problems(
        {"REDRESS_TLS_CERT_FILE": str(pki.server.cert), "REDRESS_TLS_KEY_FILE": str(pki.client.key)}
    )
    assert "REDRESS_TLS_KEY_FILE is set but REDRESS_TLS_CERT_FILE is not" in problems(
        {"REDRESS_TLS_KEY_FILE": str(pki.server.key)}
    )
    assert "REDRESS_TLS_CLIENT_CA_FILE is set but REDRESS_TLS_CERT_FILE is not" in problems(
        {"REDRESS_TLS_CLIENT_CA_FILE": str(pki.ca.cert)}
    )
    assert "REDRESS_TLS_CA_FILE=" in problems({"REDRESS_TLS_CA_FILE": str(garbage)})
    assert "REDRESS_TEMPORAL_TLS_CERT_FILE is set but REDRESS_TEMPORAL_TLS_KEY_FILE is not" in (
        problems({"REDRESS_TEMPORAL_TLS_CERT_FILE": str(pki.client.cert)})
    )
    assert "REDRESS_TLS_CLIENT_KEY_FILE='" in problems(
        {
            "REDRESS_TLS_CLIENT_CERT_FILE": str(pki.client.cert),
            "REDRESS_TLS_CLIENT_KEY_FILE": str(pki.server.key),
        }
    )
    encrypted = tmp_path / "encrypted.key"
    _openssl("pkey", "-in", pki.server.key, "-aes256", "-passout", "pass:secret", "-out", encrypted)
    assert "REDRESS_TLS_KEY_FILE='" + str(encrypted) + "': the private key is encrypted" in (
        problems(
            {"REDRESS_TLS_CERT_FILE": str(pki.server.cert), "REDRESS_TLS_KEY_FILE": str(encrypted)}
        )
    )
    # All unset: plaintext, as on the loopback of `make run`.
    env = Env({})
    assert ServingSettings.from_env("cases", 50052, 9102, env).tls is None
    assert not ClientTls.from_env(env).enabled
    assert TemporalSettings.from_env(env).tls_config() is False
    env.check()
    assert ServerTls.from_env(Env({})) is None


def test_a_service_with_a_key_not_matching_its_certificate_does_not_start(pki: Pki) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.cases"],
        env={
            "PATH": "/usr/bin:/bin",
            "REDRESS_TLS_CERT_FILE": str(pki.server.cert),
            "REDRESS_TLS_KEY_FILE": str(pki.client.key),
        },
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "invalid configuration" in result.stderr
    assert "REDRESS_TLS_KEY_FILE=" in result.stderr
    assert "does not belong to the certificate" in result.stderr
    assert "Traceback" not in result.stderr
