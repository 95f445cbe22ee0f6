"""Redress: complaint management on Temporal and gRPC.

This package holds what every process shares: the generated gRPC API
(`redress.<service>.v1`), the serving platform (`redress.platform`), the
database (`redress.db`), the command-line client (`redress.cli`) and the local
launcher (`redress.devstack`).
"""
