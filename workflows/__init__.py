"""Temporal workflows that own each complaint's life, and the worker that runs them."""
