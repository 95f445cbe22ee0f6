"""The tables, one module per owning service (docs/architecture.md, "Who owns which table")."""
