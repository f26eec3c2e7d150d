"""E-mail back-ends: memory (tests), console (log), SMTP when a host is configured."""

from __future__ import annotations

import logging

from pan_platform import mail
from tests.factories import make_org, make_user


def test_console_backend_logs_the_message(app, caplog):
    app.config["PAN_MAIL_BACKEND"] = None
    app.config["PAN_SMTP_HOST"] = None
    logging.getLogger("pan_platform.mail").disabled = False
    with caplog.at_level(logging.INFO, logger="pan_platform.mail"):
        mail.send("a@example.org", "Subject line", "Body text")
    assert "Subject line" in caplog.text and "Body text" in caplog.text
    assert mail.outbox() == []


def test_smtp_backend_when_a_host_is_configured(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(PAN_MAIL_BACKEND=None, PAN_SMTP_HOST="smtp.example.org", PAN_SMTP_PORT=2525,
                      PAN_SMTP_USER="pan", PAN_SMTP_PASSWORD="from-the-environment")
    mail.send("b@example.org", "Hello", "Body")
    assert sent == [("connect", "smtp.example.org", 2525), ("starttls",), ("login", "pan", "from-the-environment"),
                    ("send", "b@example.org", "Hello", "Body\n")]


def test_templates_render_in_the_recipients_language(app):
    user = make_user(make_org(), "trainer")
    with app.test_request_context("/"):
        subject, body, html = mail.render("password_changed", "xx", user=user)  # unknown: the default language
        assert subject == "Your PAN Platform password was changed"
        assert user.name in body and user.name in html


def test_rendering_switches_to_the_recipients_locale(app, monkeypatch):
    from flask_babel import get_locale

    seen = []

    def fake_render(name, **context):
        seen.append((name, str(get_locale())))
        return "Subject\nBody" if name.endswith(".txt") else "<p>Body</p>"

    monkeypatch.setattr(mail, "render_template", fake_render)
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert mail.render("invitation", "ru") == ("Subject", "Body\n", "<p>Body</p>")
        assert str(get_locale()) == "de"  # the sender's request keeps its own language
    assert seen == [("mail/invitation.txt", "ru"), ("mail/invitation.html", "ru")]
