"""What every Redress process shares: settings, serving, auth, metrics, logs, errors."""
