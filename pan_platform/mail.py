"""Outgoing e-mail: SMTP when PAN_SMTP_HOST is set, else the console (the log).

Tests set PAN_MAIL_BACKEND=memory and read `outbox()`. Messages are rendered in the
recipient's language from two templates: `templates/mail/<name>.txt` (the plain-text
part; its first line is the subject) and `templates/mail/<name>.html` (the HTML part),
and leave as multipart/alternative.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str  # the plain-text part
    html: str | None = None  # the HTML part


def _backend() -> str:
    configured = current_app.config["PAN_MAIL_BACKEND"]
    if configured:
        return configured
    return "smtp" if current_app.config["PAN_SMTP_HOST"] else "console"


def outbox() -> list[Mail]:
    """Messages sent with the memory backend (tests)."""
    return current_app.extensions.setdefault("pan_mail_outbox", [])


def recipient_locale(locale: str | None) -> str:
    languages = current_app.config["PAN_LANGUAGES"]
    return locale if locale in languages else languages[0]


def render(template: str, locale: str | None, **context) -> tuple[str, str, str]:
    """(subject, text, html) of `mail/<template>` in the recipient's language.

    Vocabulary values passed as lazy strings (a role's name) are rendered in that
    language too, since they turn into text inside `force_locale`.
    """
    with force_locale(recipient_locale(locale)):
        text = render_template(f"mail/{template}.txt", **context)
        subject, _, body = text.strip().partition("\n")
        subject = subject.strip()
        html = render_template(f"mail/{template}.html", subject=subject, **context)
    return subject, body.strip() + "\n", html


def send_template(to: str, template: str, locale: str | None, **context) -> Mail:
    subject, body, html = render(template, locale, **context)
    return send(to, subject, body, html)


def send(to: str, subject: str, body: str, html: str | None = None) -> Mail:
    mail = Mail(to=to, subject=subject, body=body, html=html)
    backend = _backend()
    if backend == "memory":
        outbox().append(mail)
    elif backend == "smtp":
        _send_smtp(mail)
    else:
        log.info("e-mail (console backend) to=%s subject=%s\n%s", to, subject, body)
    return mail


def _send_smtp(mail: Mail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["PAN_MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    message.set_content(mail.body)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")  # multipart/alternative: text first
    host, port = config["PAN_SMTP_HOST"], config["PAN_SMTP_PORT"]
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        if config["PAN_SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["PAN_SMTP_USER"]:
            smtp.login(config["PAN_SMTP_USER"], config["PAN_SMTP_PASSWORD"])
        smtp.send_message(message)
