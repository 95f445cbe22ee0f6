"""Tests of the whole platform as its users drive it: processes, faults, the console, make run."""
