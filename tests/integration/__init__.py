"""Tests of one service, store or workflow against the real servers it needs."""
