"""Catalogue tests extract uploaded text synchronously (still in a separate process)."""

from __future__ import annotations

import pytest

from pan_platform.extensions import db
from tests.factories import make_org, make_user


@pytest.fixture(autouse=True)
def _sync_extraction(app):
    app.config["PAN_EXTRACT_SYNC"] = True


@pytest.fixture
def world(app):
    austria = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria")
    germany = make_org("academy", slug="academy-germany", name="German Police University", country="DE")
    cepol = make_org("partner", slug="cepol", name="CEPOL", acronym="CEPOL", country=None)
    interpol = make_org("partner", slug="interpol", name="INTERPOL", acronym="INTERPOL", country=None)
    users = {
        "editor": make_user(austria, "editor"),
        "trainer": make_user(austria, "trainer"),
        "de_editor": make_user(germany, "editor"),
        "de_trainer": make_user(germany, "trainer"),
        "cepol": make_user(cepol, "trainer"),
        "interpol": make_user(interpol, "trainer"),
    }
    db.session.commit()
    return {"austria": austria, "germany": germany, "cepol_org": cepol, "interpol_org": interpol, **users}
