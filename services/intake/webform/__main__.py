"""`python -m services.intake.webform`: the public complaint form, the
customers' status pages and the self-service answers.

Serves the pages (services/intake/webform/app.py) on REDRESS_WEBFORM_LISTEN
(default 127.0.0.1:8098) with waitress, and Prometheus metrics on
REDRESS_WEBFORM_METRICS_LISTEN (default 127.0.0.1:9111). Calls intake, cases,
followup and knowledge with its own key, REDRESS_WEBFORM_API_KEY (role
web_form), and signs and checks the customers' status links with
REDRESS_STATUS_LINK_SECRET(_FILE). docs/webform.md has the rest.
"""

from __future__ import annotations

import logging
import sys

from redress.platform import channels
from redress.platform.logs import configure
from redress.platform.metrics import serve_metrics
from redress.platform.serving import ServingSettings
from redress.platform.settings import Env, SettingsError
from redress.platform.status_links import status_links
from redress.platform.tls import ClientTls
from redress.platform.web import serve_wsgi
from services.intake.webform import texts
from services.intake.webform.app import WebFormConfig, create_app
from services.intake.webform.calls import PlatformCalls

log = logging.getLogger("redress.webform")


def config_from_env(env: Env) -> WebFormConfig | None:
    links = status_links(env, public_url_variable="REDRESS_WEBFORM_PUBLIC_URL")
    products_text = env.string("REDRESS_WEBFORM_PRODUCTS", "")
    products = [p.strip() for p in products_text.split(",") if p.strip()] or list(
        texts.PRODUCT_LABELS
    )
    contact = ", ".join(
        x
        for x in (
            env.string("REDRESS_FIRM_COMPLAINTS_EMAIL", "complaints@example.com"),
            env.string("REDRESS_FIRM_COMPLAINTS_PHONE", ""),
        )
        if x
    )
    config = WebFormConfig(
        links=links,  # type: ignore[arg-type]
        form_max_age_seconds=env.integer(
            "REDRESS_WEBFORM_FORM_MAX_AGE_SECONDS", 4 * 3600, minimum=60
        ),
        products=products,
        max_files=env.integer("REDRESS_WEBFORM_MAX_FILES", 5, minimum=0),
        max_file_bytes=env.integer("REDRESS_WEBFORM_MAX_FILE_BYTES", 5 * 1024 * 1024, minimum=1024),
        posts_per_window=env.integer("REDRESS_WEBFORM_RATE_LIMIT", 20, minimum=1),
        searches_per_window=env.integer("REDRESS_WEBFORM_SEARCH_RATE_LIMIT", 120, minimum=1),
        window_seconds=env.number("REDRESS_WEBFORM_RATE_WINDOW_SECONDS", 600.0, minimum=1.0),
        max_addresses=env.integer("REDRESS_WEBFORM_RATE_LIMIT_ADDRESSES", 100_000, minimum=100),
        trusted_proxies=env.integer("REDRESS_WEBFORM_TRUSTED_PROXIES", 0, minimum=0),
        firm_name=env.string("REDRESS_FIRM_NAME", "Redress Demo Bank"),
        firm_contact=contact,
        secure_cookies=env.string("REDRESS_WEBFORM_PUBLIC_URL", "").startswith("https://"),
    )
    if config.max_file_bytes > 7 * 1024 * 1024:
        env.problems.append(
            "REDRESS_WEBFORM_MAX_FILE_BYTES: at most 7340032 (7 MiB): a file goes to the "
            "case service in one call of at most 8 MiB"
        )
    if links is None:
        env.problems.append(
            "REDRESS_STATUS_LINK_SECRET or REDRESS_STATUS_LINK_SECRET_FILE: required, the "
            "secret the letters' status links are signed with (the follow-up and case "
            "services have the same)"
        )
        return None
    return config


def main() -> int:
    env = Env()
    serving = ServingSettings.from_env("webform", 8098, 9111, env)
    intake = env.address("REDRESS_INTAKE_ADDRESS", "127.0.0.1:50051")
    cases = env.address("REDRESS_CASES_ADDRESS", "127.0.0.1:50052")
    followup = env.address("REDRESS_FOLLOWUP_ADDRESS", "127.0.0.1:50053")
    knowledge = env.address("REDRESS_KNOWLEDGE_ADDRESS", "127.0.0.1:50054")
    api_key = env.string("REDRESS_WEBFORM_API_KEY", "")
    timeout = env.number("REDRESS_WEBFORM_CALL_TIMEOUT_SECONDS", 30.0, minimum=1.0)
    threads = env.integer("REDRESS_WEBFORM_THREADS", 8, minimum=1)
    tls = ClientTls.from_env(env)
    config = config_from_env(env)
    try:
        env.check()
        if not api_key:
            raise SettingsError(["REDRESS_WEBFORM_API_KEY: required, a key with role web_form"])
    except SettingsError as err:
        print(f"webform: {err}", file=sys.stderr)
        return 2
    assert config is not None
    configure("webform", serving.log_level, serving.log_format)
    serve_metrics(serving.metrics_listen)
    opened = [channels.channel(a, tls=tls) for a in (intake, cases, followup, knowledge)]
    calls = PlatformCalls(opened[0], opened[1], opened[2], opened[3], api_key, timeout)
    app = create_app(config, calls)
    serve_wsgi(
        app,
        serving.listen,
        threads=threads,
        what="web form",
        log=log,
        max_request_body_size=config.max_files * config.max_file_bytes + 2 * 1024 * 1024,
        fields={"public_url": config.links.public_url or "(not set)"},
        trusted_proxies=config.trusted_proxies,
    )
    for channel in opened:
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
