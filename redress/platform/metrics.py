"""Prometheus metrics every gRPC server exposes, and the /metrics endpoint."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RPC_REQUESTS = Counter(
    "redress_grpc_requests",
    "gRPC calls handled, by service, method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
RPC_LATENCY = Histogram(
    "redress_grpc_request_duration_seconds",
    "Time to handle a gRPC call.",
    ["grpc_service", "grpc_method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RPC_IN_FLIGHT = Gauge(
    "redress_grpc_requests_in_flight",
    "gRPC calls being handled now.",
    ["grpc_service"],
)


def serve_metrics(listen: str) -> int:
    """Starts the /metrics HTTP endpoint; returns the port it listens on."""
    host, _, port = listen.rpartition(":")
    server, _thread = start_http_server(int(port), addr=host)
    return int(server.server_address[1])
