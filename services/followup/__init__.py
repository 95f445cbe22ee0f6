"""services/followup: staff alerts, customer messages, webhooks."""
