"""The public complaint form, the status page and the self-service answers (docs/webform.md)."""
