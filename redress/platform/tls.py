"""TLS settings: what a server presents and requires, what a client trusts and presents.

Every file named is checked when the process starts (it exists, it is PEM
that OpenSSL accepts, a key matches its certificate), so that a mistake stops
the process with the variable's name instead of failing the first handshake.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import grpc

from redress.platform.settings import Env


def _check_pair(env: Env, cert_var: str, key_var: str) -> tuple[Path | None, Path | None]:
    """A certificate and its private key, named together or not at all."""
    cert_named = bool(env.environ.get(cert_var))
    key_named = bool(env.environ.get(key_var))
    cert = env.readable_file(cert_var)
    key = env.readable_file(key_var)
    if cert_named != key_named:
        given, missing = (cert_var, key_var) if cert_named else (key_var, cert_var)
        env.problems.append(f"{given} is set but {missing} is not: set both or neither")
        return None, None
    if cert is None or key is None:
        return None, None
    if b"ENCRYPTED" in key.read_bytes()[:200]:
        env.problems.append(
            f"{key_var}={str(key)!r}: the private key is encrypted; give it without a "
            "passphrase (`openssl pkey -in KEY -out KEY.plain`) and protect the file instead"
        )
        return None, None
    try:
        # An empty passphrase: never a prompt on a terminal at start.
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(cert, key, password=lambda: b"")
    except ssl.SSLError as err:
        if "KEY_VALUES_MISMATCH" in str(err):
            env.problems.append(
                f"{key_var}={str(key)!r}: this private key does not belong to the "
                f"certificate in {cert_var}={str(cert)!r}"
            )
        else:
            env.problems.append(
                f"{cert_var}={str(cert)!r}, {key_var}={str(key)!r}: not a PEM certificate "
                f"and its PEM private key ({err.reason or err})"
            )
        return None, None
    return cert, key


def _check_ca(env: Env, var: str) -> Path | None:
    ca = env.readable_file(var)
    if ca is None:
        return None
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca)
    except ssl.SSLError as err:
        env.problems.append(
            f"{var}={str(ca)!r}: expected PEM CA certificates ({err.reason or err})"
        )
        return None
    return ca


@dataclass(frozen=True)
class ServerTls:
    """The certificate a server presents; with `client_ca_file`, mutual TLS."""

    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None

    @classmethod
    def from_env(cls, env: Env) -> ServerTls | None:
        """REDRESS_TLS_CERT_FILE/_KEY_FILE turn TLS on; REDRESS_TLS_CLIENT_CA_FILE
        requires every client to present a certificate signed by those CAs."""
        cert, key = _check_pair(env, "REDRESS_TLS_CERT_FILE", "REDRESS_TLS_KEY_FILE")
        client_ca = _check_ca(env, "REDRESS_TLS_CLIENT_CA_FILE")
        if env.environ.get("REDRESS_TLS_CLIENT_CA_FILE") and not env.environ.get(
            "REDRESS_TLS_CERT_FILE"
        ):
            env.problems.append(
                "REDRESS_TLS_CLIENT_CA_FILE is set but REDRESS_TLS_CERT_FILE is not: "
                "client certificates are only checked over TLS; set the server's "
                "REDRESS_TLS_CERT_FILE and REDRESS_TLS_KEY_FILE too"
            )
        if cert is None or key is None:
            return None
        return cls(cert, key, client_ca)

    @property
    def mode(self) -> str:
        return "mutual TLS" if self.client_ca_file else "TLS"

    def grpc_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key_file.read_bytes(), self.cert_file.read_bytes())],
            root_certificates=(self.client_ca_file.read_bytes() if self.client_ca_file else None),
            require_client_auth=self.client_ca_file is not None,
        )

    def ssl_context(self) -> ssl.SSLContext:
        """The same policy for the HTTP servers of a process."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_file, self.key_file)
        if self.client_ca_file:
            context.load_verify_locations(cafile=self.client_ca_file)
            context.verify_mode = ssl.CERT_REQUIRED
        return context


@dataclass(frozen=True)
class ClientTls:
    """How a client connects: plaintext unless one of the settings is given.

    Without a CA file the system's trusted CAs check the server.
    """

    enabled: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    server_name: str | None = None

    @classmethod
    def read(
        cls, env: Env, ca_var: str, cert_var: str, key_var: str, server_name_var: str
    ) -> ClientTls:
        names = (ca_var, cert_var, key_var, server_name_var)
        enabled = any(env.environ.get(name) for name in names)
        ca = _check_ca(env, ca_var)
        cert, key = _check_pair(env, cert_var, key_var)
        server_name = env.string(server_name_var, "") or None
        return cls(enabled, ca, cert, key, server_name)

    @classmethod
    def from_env(cls, env: Env) -> ClientTls:
        """How this process calls Redress's gRPC services."""
        return cls.read(
            env,
            "REDRESS_TLS_CA_FILE",
            "REDRESS_TLS_CLIENT_CERT_FILE",
            "REDRESS_TLS_CLIENT_KEY_FILE",
            "REDRESS_TLS_SERVER_NAME",
        )

    @property
    def mode(self) -> str:
        if not self.enabled:
            return "plaintext"
        return "mutual TLS" if self.cert_file else "TLS"

    def _bytes(self) -> tuple[bytes | None, bytes | None, bytes | None]:
        return (
            self.ca_file.read_bytes() if self.ca_file else None,
            self.cert_file.read_bytes() if self.cert_file else None,
            self.key_file.read_bytes() if self.key_file else None,
        )

    def grpc_credentials(self) -> grpc.ChannelCredentials:
        ca, cert, key = self._bytes()
        return grpc.ssl_channel_credentials(
            root_certificates=ca, private_key=key, certificate_chain=cert
        )
