"""The local platform: every Redress process and the servers it needs, on one machine."""
