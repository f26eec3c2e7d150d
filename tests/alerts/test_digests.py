"""Saved searches and their digests: saved from the search page's address; the digest is
computed at send time with the recipient's permissions and language, sent once per period
(running the job twice sends nothing twice) and stopped by a signed one-click link."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from pan_platform import mail
from pan_platform.alerts import digests, operations
from pan_platform.alerts.models import SavedSearch
from pan_platform.catalogue import operations as catalogue_ops
from pan_platform.extensions import db
from pan_platform.util import utcnow
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user

LONG_AGO = datetime(2020, 1, 1)


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def _saved(user, query="cocaine", frequency="daily", **filters) -> SavedSearch:
    saved = SavedSearch(user_id=user.id, name=f"Search {query}", query=query, filters=filters,
                        frequency=frequency, sent_until=LONG_AGO, seen_until=LONG_AGO)
    db.session.add(saved)
    db.session.commit()
    return saved


def _mails_to(user) -> list[mail.Mail]:
    return [m for m in mail.outbox() if m.to == user.email]


def _tomorrow() -> datetime:
    return utcnow() + timedelta(days=1)


def test_save_the_search_of_the_search_page(app):
    trainer = make_user(make_org(), "trainer")
    db.session.commit()
    client = _client(app, trainer)
    page = client.get("/search?q=cocaine&area=illicit-drugs&language=es").get_data(as_text=True)
    assert "Save this search" in page and 'action="/saved-searches"' in page
    response = client.post("/saved-searches", data={
        "q": "cocaine", "area": ["illicit-drugs", "not-an-area"], "language": "es", "name": "Cocaine, Spanish",
        "frequency": "daily"})
    assert response.status_code == 303
    saved = db.session.scalar(select(SavedSearch))
    assert (saved.user_id, saved.name, saved.query, saved.frequency) == (trainer.id, "Cocaine, Spanish", "cocaine", "daily")
    assert saved.filters == {"area": ["illicit-drugs"], "language": ["es"]}
    listing = client.get("/saved-searches").get_data(as_text=True)
    assert "Cocaine, Spanish" in listing
    opened = client.get(f"/saved-searches/{saved.id}/open")
    assert opened.status_code == 302
    target = opened.headers["Location"]
    assert "q=cocaine" in target and "area=illicit-drugs" in target and "language=es" in target and "sort=date" in target


def test_bad_saves_are_refused_with_a_message_and_nothing_saved(app):
    trainer = make_user(make_org(), "trainer")
    db.session.commit()
    client = _client(app, trainer)
    for data in ({"q": "", "frequency": "daily"}, {"q": "x", "frequency": "hourly"},
                 {"q": "y" * 201, "frequency": "daily"}, {"q": "ok", "name": "n" * 201, "frequency": "weekly"}):
        response = client.post("/saved-searches", data=data, follow_redirects=True)
        assert response.status_code == 200
        assert "flash flash-error" in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(SavedSearch.id))) == 0


def test_only_the_owner_sees_or_changes_a_saved_search(app):
    academy = make_org()
    owner, colleague = make_user(academy, "trainer"), make_user(academy, "trainer")
    saved = _saved(owner)
    client = _client(app, colleague)
    refused = [
        client.get(f"/saved-searches/{saved.id}/open"),
        client.post(f"/saved-searches/{saved.id}", data={"name": "Mine now", "frequency": "none"}),
        client.post(f"/saved-searches/{saved.id}/delete", data={"confirm": "1"}),
    ]
    assert [r.status_code for r in refused] == [404, 404, 404]
    assert "Search cocaine" not in client.get("/saved-searches").get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(SavedSearch, saved.id)
    assert (kept.name, kept.frequency, kept.seen_until) == ("Search cocaine", "daily", LONG_AGO)


def test_the_digest_lists_new_matches_once_however_often_the_job_runs(app):
    academy = make_org()
    trainer = make_user(make_org(), "trainer")
    item = make_item(academy, visibility="public", title="Cocaine route analysis")
    make_item(academy, visibility="public", title="Unrelated handbook")
    saved = _saved(trainer)
    now = _tomorrow()

    first = digests.send_digests(now)
    assert (first.sent, first.failed) == (1, 0)
    [message] = _mails_to(trainer)
    assert "Cocaine route analysis" in message.body and "Unrelated" not in message.body
    assert f"/en/items/{item.id}" in message.body and message.html and "Cocaine route analysis" in message.html
    db.session.expire_all()
    recorded = db.session.get(SavedSearch, saved.id)
    assert recorded.sent_until == digests.period_end("daily", now) and recorded.last_sent_at == now

    again = digests.send_digests(now)  # the same period: nothing is sent again
    assert (again.sent, again.empty) == (0, 0)
    later = digests.send_digests(now + timedelta(days=1))  # the next period: nothing new, no e-mail
    assert (later.sent, later.empty) == (0, 1)
    assert len(_mails_to(trainer)) == 1


def test_the_command_sends_what_is_due_and_is_safe_to_run_twice(app):
    trainer = make_user(make_org(), "trainer")
    make_item(make_org(), visibility="public", title="Cocaine trafficking by sea")
    _saved(trainer)
    when = _tomorrow().strftime("%Y-%m-%dT%H:%M")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["pan", "send-digests", "--now", when])
    second = runner.invoke(args=["pan", "send-digests", "--now", when])
    assert first.exit_code == second.exit_code == 0, first.output
    assert "Digests sent: 1" in first.output and "Digests sent: 0" in second.output
    assert len(_mails_to(trainer)) == 1


def test_an_item_the_recipient_lost_access_to_is_not_in_the_digest(app):
    owner = make_org()
    editor = make_user(owner, "editor")
    reader = make_user(make_org(), "trainer")
    kept = make_item(owner, visibility="network", title="Cocaine precursor guide")
    withdrawn = make_item(owner, visibility="network", title="Cocaine informant handbook")
    db.session.commit()
    _saved(reader)
    # Readable when the search was saved; made private before the digest is sent.
    catalogue_ops.set_sharing(editor, withdrawn, "private")
    digests.send_digests(_tomorrow())
    [message] = _mails_to(reader)
    assert "Cocaine precursor guide" in message.body and f"/items/{kept.id}" in message.body
    assert "informant" not in message.body and f"/items/{withdrawn.id}" not in message.body
    assert "informant" not in (message.html or "")


def test_nothing_readable_means_no_e_mail_and_drafts_never_appear(app):
    owner = make_org()
    reader = make_user(make_org(), "trainer")
    make_item(owner, visibility="private", title="Cocaine internal notes")
    make_item(owner, visibility="public", state="draft", title="Cocaine draft")
    _saved(reader)
    report = digests.send_digests(_tomorrow())
    assert (report.sent, report.empty) == (0, 1)
    assert _mails_to(reader) == []


def test_filters_are_applied_as_on_the_search_page(app):
    academy = make_org()
    reader = make_user(make_org(), "trainer")
    make_item(academy, visibility="public", title="Cocaine at sea", areas=("illicit-drugs",))
    make_item(academy, visibility="public", title="Cocaine money laundering", areas=("organized-crime",))
    _saved(reader, area=["organized-crime"])
    digests.send_digests(_tomorrow())
    [message] = _mails_to(reader)
    assert "money laundering" in message.body and "at sea" not in message.body


def test_the_digest_is_in_the_recipients_language(app):
    reader = make_user(make_org(), "trainer")
    reader.locale = "de"
    make_item(make_org(), visibility="public", title="Cocaine route analysis")
    _saved(reader)
    digests.send_digests(_tomorrow())
    [message] = _mails_to(reader)
    assert "Ihrer Suche" in message.subject and "Search cocaine" in message.subject
    assert "Hallo" in message.body
    assert re.search(r"http://127\.0\.0\.1:5000/de/items/\d+", message.body)
    assert "/de/unsubscribe/" in message.body


def test_weekly_digests_cover_whole_weeks():
    tuesday = datetime(2026, 12, 1, 15, 30)
    assert digests.period_end("weekly", tuesday) == datetime(2026, 11, 30)
    assert digests.period_end("daily", tuesday) == datetime(2026, 12, 1)


def test_a_weekly_digest_waits_for_the_week_to_end(app):
    reader = make_user(make_org(), "trainer")
    make_item(make_org(), visibility="public", title="Cocaine route analysis")
    saved = _saved(reader, frequency="weekly")
    saved.sent_until = digests.period_end("weekly", utcnow())
    db.session.commit()
    assert digests.send_digests(utcnow()).sent == 0
    assert digests.send_digests(utcnow() + timedelta(days=7)).sent == 1


def _unsubscribe_path(message) -> str:
    link = re.search(r"(http://\S+/unsubscribe/\S+)", message.body).group(1)
    return urlsplit(link).path


def test_one_click_unsubscribe_works_signed_out_and_can_be_undone(app):
    reader = make_user(make_org(), "trainer")
    make_item(make_org(), visibility="public", title="Cocaine route analysis")
    saved = _saved(reader)
    digests.send_digests(_tomorrow())
    path = _unsubscribe_path(_mails_to(reader)[0])
    anonymous = app.test_client()
    page = anonymous.get(path)
    assert page.status_code == 200 and "Search cocaine" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved.id).frequency == "none"
    assert digests.send_digests(_tomorrow() + timedelta(days=2)).sent == 0
    assert anonymous.get(path).status_code == 200  # a second click changes nothing
    undone = anonymous.post(path, data={"frequency": "weekly"})
    assert undone.status_code == 200
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved.id).frequency == "weekly"


def test_a_bad_or_tampered_unsubscribe_link_changes_nothing(app):
    reader = make_user(make_org(), "trainer")
    other = make_user(make_org(), "trainer")
    saved, others = _saved(reader), _saved(other)
    token = operations.unsubscribe_token(saved)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", token + "x"):
        response = app.test_client().get(f"/unsubscribe/{bad}")
        assert response.status_code == 404 and "does not work" in response.get_data(as_text=True)
        assert app.test_client().post(f"/unsubscribe/{bad}", data={"frequency": "daily"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved.id).frequency == "daily"
    assert db.session.get(SavedSearch, others.id).frequency == "daily"
    # A deleted search's link no longer works.
    db.session.delete(db.session.get(SavedSearch, saved.id))
    db.session.commit()
    assert app.test_client().get(f"/unsubscribe/{token}").status_code == 404
