"""Handing e-mail to the firm's SMTP relay, for every service that sends it.

services/followup sends letters and staff alerts, services/reporting sends
scheduled reports; both connect, log in and read the relay's answers here, so
a refused login or a final refusal means the same to each.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage

from redress.platform.settings import Env


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    # none | starttls | tls
    security: str
    username: str
    password: str
    mail_from: str
    timeout_seconds: float
    ca_file: str

    @classmethod
    def from_env(cls, env: Env) -> SmtpSettings:
        settings = cls(
            host=env.string("REDRESS_SMTP_HOST", "127.0.0.1"),
            port=env.integer("REDRESS_SMTP_PORT", 1025, minimum=1),
            security=env.choice("REDRESS_SMTP_SECURITY", "none", ("none", "starttls", "tls")),
            username=env.string("REDRESS_SMTP_USERNAME", ""),
            password=env.string("REDRESS_SMTP_PASSWORD", ""),
            mail_from=env.string("REDRESS_MAIL_FROM", "complaints@example.com"),
            timeout_seconds=env.number("REDRESS_SMTP_TIMEOUT_SECONDS", 30.0, minimum=1.0),
            ca_file=env.string("REDRESS_SMTP_CA_FILE", ""),
        )
        if settings.username and settings.security == "none":
            env.problems.append(
                "REDRESS_SMTP_USERNAME is set but REDRESS_SMTP_SECURITY=none: a password "
                "would travel in clear; use starttls or tls"
            )
        return settings


class PermanentFailure(Exception):
    """The relay refused the message for good (a 5xx answer): retrying cannot help."""


class LoginRefused(smtplib.SMTPException):
    """The SMTP server refused REDRESS_SMTP_USERNAME and REDRESS_SMTP_PASSWORD.

    Retried like an outage: the settings are wrong, not the message, and a
    message waiting when they are put right still goes."""


def send_email(smtp: SmtpSettings, email: EmailMessage, recipient: str) -> str:
    """Hands the message to the SMTP server; what it answered, e.g. "250 OK".

    PermanentFailure for a 5xx answer about the message (retrying cannot
    help); LoginRefused for a refused login; other errors (connection
    refused, 4xx, no STARTTLS offered) are worth retrying.
    """
    try:
        return _send_email(smtp, email, recipient)
    except smtplib.SMTPAuthenticationError as err:
        raise LoginRefused(
            f"the mail server refused the login of {smtp.username!r}: "
            f"{err.smtp_code} {_text(err.smtp_error)}; "
            "check REDRESS_SMTP_USERNAME and REDRESS_SMTP_PASSWORD"
        ) from err
    except smtplib.SMTPResponseException as err:
        if err.smtp_code >= 500:
            raise PermanentFailure(f"{err.smtp_code} {_text(err.smtp_error)}") from err
        raise


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def _send_email(smtp: SmtpSettings, email: EmailMessage, recipient: str) -> str:
    context = ssl.create_default_context(cafile=smtp.ca_file or None)
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
    with client:
        client.ehlo()
        if smtp.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            client.login(smtp.username, smtp.password)
        _answered(*client.mail(smtp.mail_from))
        _answered(*client.rcpt(recipient))
        # SMTP wants CRLF line ends (policy.SMTP); bytes are sent as given.
        return _answered(*client.data(email.as_bytes(policy=email_policy.SMTP)))


def _answered(code: int, answer: bytes) -> str:
    """The server's answer as text; a 5xx is final, a 4xx worth retrying."""
    text = f"{code} {answer.decode(errors='replace')}"
    if code >= 500:
        raise PermanentFailure(text)
    if code >= 400:
        raise smtplib.SMTPException(text)
    return text
