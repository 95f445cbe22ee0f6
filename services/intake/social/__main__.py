"""`python -m services.intake.social`: the social media and chat webhooks.

Serves the signed webhook endpoints (services/intake/social/app.py) on
REDRESS_SOCIAL_LISTEN (default 127.0.0.1:8097) with waitress, and Prometheus
metrics on REDRESS_SOCIAL_METRICS_LISTEN (default 127.0.0.1:9110). Checks each
request against its source's secret in REDRESS_SOCIAL_SECRETS_FILE, and files
through REDRESS_INTAKE_ADDRESS and REDRESS_CASES_ADDRESS with its own key,
REDRESS_SOCIAL_API_KEY (role channel_adapter). docs/social.md has the rest.
"""

from __future__ import annotations

import logging
import sys

from redress.platform import channels
from redress.platform.logs import configure
from redress.platform.metrics import serve_metrics
from redress.platform.serving import ServingSettings
from redress.platform.settings import Env, SettingsError, data_dir
from redress.platform.tls import ClientTls
from redress.platform.web import serve_wsgi
from services.intake.social.app import (
    SecretsFileError,
    SocialWebhooks,
    WebhookSettings,
    load_secrets,
)
from services.intake.social.filing import SocialFiling

log = logging.getLogger("redress.social")


def main() -> int:
    env = Env()
    serving = ServingSettings.from_env("social", 8097, 9110, env)
    intake = env.address("REDRESS_INTAKE_ADDRESS", "127.0.0.1:50051")
    cases = env.address("REDRESS_CASES_ADDRESS", "127.0.0.1:50052")
    secrets_file = env.path("REDRESS_SOCIAL_SECRETS_FILE", str(data_dir() / "social-secrets.txt"))
    api_key = env.string("REDRESS_SOCIAL_API_KEY", "")
    settings = WebhookSettings(
        replay_window_seconds=env.number(
            "REDRESS_SOCIAL_REPLAY_WINDOW_SECONDS", 300.0, minimum=1.0
        ),
        max_body_bytes=env.integer("REDRESS_SOCIAL_MAX_BODY_BYTES", 512 * 1024, minimum=1024),
    )
    timeout = env.number("REDRESS_SOCIAL_CALL_TIMEOUT_SECONDS", 30.0, minimum=1.0)
    threads = env.integer("REDRESS_SOCIAL_THREADS", 4, minimum=1)
    tls = ClientTls.from_env(env)
    try:
        env.check()
        if not api_key:
            raise SettingsError(
                ["REDRESS_SOCIAL_API_KEY: required, a key with role channel_adapter"]
            )
        secrets = load_secrets(secrets_file)
    except (SettingsError, SecretsFileError) as err:
        print(f"social: {err}", file=sys.stderr)
        return 2
    configure("social", serving.log_level, serving.log_format)
    serve_metrics(serving.metrics_listen)
    intake_channel = channels.channel(intake, tls=tls)
    cases_channel = channels.channel(cases, tls=tls)
    filing = SocialFiling(intake_channel, cases_channel, api_key, timeout)
    app = SocialWebhooks(filing, secrets, settings)
    serve_wsgi(
        app,
        serving.listen,
        threads=threads,
        what="social webhooks",
        log=log,
        max_request_body_size=settings.max_body_bytes * 2,
        fields={"sources": sorted(secrets)},
    )
    intake_channel.close()
    cases_channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
