"""Redress's gRPC services, one package each: `python -m services.<name>`."""
