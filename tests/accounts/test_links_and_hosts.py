"""Links in e-mails start from PAN_BASE_URL, never from the request's Host header;
requests for a host outside TRUSTED_HOSTS are refused."""

from __future__ import annotations

import pytest

from config import load_config
from pan_platform import mail
from pan_platform.accounts.models import PasswordReset
from pan_platform.extensions import db
from tests.accounts.helpers import last_mail_to, link_in
from tests.conftest import make_app, running
from tests.factories import PASSWORD, make_org, make_user

BASE = "https://pan.example.org"
HOSTILE = {"Host": "evil.example"}


@pytest.fixture
def public_app(tmp_path):
    """An app configured the way an operator would: a public address and nothing else."""
    with running(make_app(tmp_path, PAN_BASE_URL=BASE)) as app:
        yield app


def test_trusted_hosts_come_from_the_base_url(tmp_path):
    assert load_config(env={"PAN_INSTANCE_DIR": str(tmp_path), "PAN_BASE_URL": BASE + "/portal"})[
        "TRUSTED_HOSTS"] == ["pan.example.org"]
    assert make_app(tmp_path / "a", PAN_BASE_URL=BASE + "/portal").config["TRUSTED_HOSTS"] == ["pan.example.org"]
    listed = {"PAN_INSTANCE_DIR": str(tmp_path), "PAN_BASE_URL": BASE, "PAN_TRUSTED_HOSTS": "pan.example.org, pan-internal.lan"}
    assert load_config(env=listed)["TRUSTED_HOSTS"] == ["pan.example.org", "pan-internal.lan"]
    local = load_config(env={"PAN_INSTANCE_DIR": str(tmp_path)})
    assert local["PAN_BASE_URL"] == "http://127.0.0.1:5000"
    assert {"127.0.0.1", "localhost"} <= set(local["TRUSTED_HOSTS"])


def test_a_hostile_host_gets_400_and_no_reset_mail(public_app):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    client = public_app.test_client()
    for path in ("/password/forgot", "/en/password/forgot"):
        response = client.post(path, data={"email": user.email}, headers=HOSTILE)
        assert response.status_code == 400
        assert "evil.example" not in response.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=HOSTILE).status_code == 400
    assert mail.outbox() == [] and db.session.query(PasswordReset).count() == 0


def test_a_hostile_forwarded_host_is_refused_too(tmp_path):
    with running(make_app(tmp_path, PAN_BASE_URL=BASE, PAN_TRUSTED_PROXIES=1)) as app:
        user = make_user(make_org(), "trainer")
        db.session.commit()
        client = app.test_client()
        forged = client.post("/password/forgot", data={"email": user.email},
                             headers={"Host": "pan.example.org", "X-Forwarded-Host": "evil.example"})
        assert forged.status_code == 400 and mail.outbox() == []
        proper = client.post("/password/forgot", data={"email": user.email},
                             headers={"Host": "internal:8000", "X-Forwarded-Host": "pan.example.org"})
        assert proper.status_code == 302
        assert link_in(last_mail_to(user.email).body).startswith(BASE + "/en/password/reset/")


def test_reset_link_uses_the_base_url_even_when_the_host_is_not_checked(tmp_path):
    with running(make_app(tmp_path, PAN_BASE_URL=BASE, TRUSTED_HOSTS=None)) as app:
        user = make_user(make_org(), "trainer")
        user.locale = "de"
        db.session.commit()
        response = app.test_client().post("/fr/password/forgot", data={"email": user.email}, headers=HOSTILE)
        assert response.status_code == 302
        body = last_mail_to(user.email).body
        assert link_in(body).startswith(BASE + "/de/password/reset/")
        assert "evil" not in body


def test_invitation_link_uses_the_base_url(public_app):
    org = make_org()
    admin = make_user(org, "org_admin")
    db.session.commit()
    client = public_app.test_client()
    signed_in = client.post("/sign-in", data={"email": admin.email, "password": PASSWORD},
                            headers={"Host": "pan.example.org"})
    assert signed_in.status_code == 302
    response = client.post(f"/organisations/{org.slug}/people/invite", headers={"Host": "pan.example.org"},
                           data={"email": "new@example.org", "role": "trainer", "locale": "it", "name": ""})
    assert response.status_code == 302
    assert link_in(last_mail_to("new@example.org").body).startswith(BASE + "/it/invitation/")


def test_links_from_the_default_local_app_name_the_configured_address(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})  # the test client's host is "localhost"
    assert link_in(last_mail_to(user.email).body).startswith(app.config["PAN_BASE_URL"] + "/en/password/reset/")


def test_links_keep_the_base_path_and_work_outside_a_request(tmp_path):
    from pan_platform.accounts.operations import link_for
    from pan_platform.sharing.operations import _link

    app = make_app(tmp_path, PAN_BASE_URL=BASE + "/portal/")
    with app.app_context():  # a command: no request at all
        assert _link("catalogue.detail", "ru", item_id=5) == BASE + "/portal/ru/items/5"
        assert link_for("accounts.reset_password", "xx", token="t") == BASE + "/portal/en/password/reset/t"
    with app.test_request_context("/fr/", headers=HOSTILE):
        assert _link("catalogue.detail", None, item_id=5) == BASE + "/portal/en/items/5"
