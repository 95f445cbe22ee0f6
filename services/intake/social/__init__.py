"""The social media and chat channel adapter: signed webhooks in, complaints
and customer replies out through intake and services/cases (docs/social.md)."""
