"""services/reporting: figures, regulatory returns and exports."""
