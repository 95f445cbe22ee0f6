"""services/cases: the case store of record, its read API and the audit trail."""
