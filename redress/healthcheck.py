"""`python -m redress.healthcheck HOST:PORT [SERVICE]`: exit 0 when the gRPC health
service there answers SERVING, 1 otherwise.

Used by container health checks. It connects as every Redress client does
(redress.platform.channels): over TLS, presenting a client certificate, when
the REDRESS_TLS_* variables say so.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from redress.platform import channels
from redress.platform.settings import SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (1, 2):
        print("usage: python -m redress.healthcheck HOST:PORT [SERVICE]", file=sys.stderr)
        return 2
    address, service = args[0], (args[1] if len(args) == 2 else "")
    try:
        with channels.channel(address) as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=5
            )
    except SettingsError as err:
        print(f"healthcheck: {err}", file=sys.stderr)
        return 2
    except grpc.RpcError as err:
        print(f"{address}: {err.code().name}: {err.details()}", file=sys.stderr)  # type: ignore[attr-defined]
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    print(f"{address} {service or '(server)'}: {status}")
    return 0 if response.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
