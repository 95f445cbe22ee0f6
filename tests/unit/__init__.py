"""Tests of pure code: no servers, the whole layer in seconds (`make test-unit`)."""
