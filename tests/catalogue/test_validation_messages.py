"""Validation messages say what is wrong, in the user's language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pan_platform.catalogue.models import Item
from pan_platform.catalogue.operations import InvalidInput, clean_fields
from pan_platform.extensions import db
from tests.conftest import sign_in


def _new_curriculum(client, **data):
    form = {"title": "Border checks", "language": "en", "area_codes": "cybercrime", "external_url": ""}
    form.update(data)
    return client.post("/workspace/new/curriculum", data=form)


@pytest.mark.parametrize(("hours", "message"), [
    ("0", "Please enter at least a quarter of an hour (0.25)."),
    ("-2", "Please enter at least a quarter of an hour (0.25)."),
    ("20000", "Please enter at most 10,000 hours."),
])
def test_duration_says_which_limit_is_broken(app, client, world, hours, message):
    sign_in(client, world["editor"])
    body = _new_curriculum(client, duration_hours=hours).get_data(as_text=True)
    assert message in body and "between 0 and 10,000" not in body
    assert db.session.scalar(select(Item.id)) is None


def test_too_long_text_gives_the_limit(app, client, world):
    sign_in(client, world["editor"])
    body = _new_curriculum(client, title="x" * 301).get_data(as_text=True)
    assert "The text is too long (at most 300 characters)." in body
    assert db.session.scalar(select(Item.id)) is None


def test_messages_are_translated(app, client, world):
    world["editor"].locale = "de"
    db.session.commit()
    sign_in(client, world["editor"])
    body = _new_curriculum(client, title="x" * 301, duration_hours="0").get_data(as_text=True)
    assert "Viertelstunde" in body and "höchstens 300 Zeichen" in body
    assert "Please enter at least a quarter of an hour" not in body and "The text is too long" not in body


def test_operations_give_the_same_messages(app):
    with pytest.raises(InvalidInput) as error:
        clean_fields({"duration_hours": 0})
    assert error.value.errors["duration_hours"] == "Please enter at least a quarter of an hour (0.25)."
