"""Importers that replay complaints kept elsewhere through the intake API."""
