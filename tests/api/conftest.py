"""A small catalogue with one item per sharing rule, users of every point of view, tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pan_platform.accounts.models import ApiToken
from pan_platform.api.models import FeedToken
from pan_platform.extensions import db
from tests.experts.helpers import make_profile
from tests.factories import make_item, make_org, make_user


@dataclass
class World:
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def headers(self, who: str) -> dict:
        token = self.tokens.get(who)
        return {"Authorization": f"Bearer {token}"} if token else {}


def issue_token(user) -> str:
    token, clear = ApiToken.issue(user, "test")
    db.session.add(token)
    return clear


def issue_feed_token(user) -> str:
    token, clear = FeedToken.issue(user)
    db.session.add(token)
    return clear


@pytest.fixture
def world(app) -> World:
    w = World()
    own = w.orgs["own"] = make_org("academy", slug="own-academy", name="Own Academy")
    other = w.orgs["other"] = make_org("academy", slug="other-academy", country="DE", name="Other Academy")
    cepol = w.orgs["cepol"] = make_org("partner", slug="cepol", country=None, name="CEPOL")
    w.orgs["interpol"] = make_org("partner", slug="interpol", country=None, name="INTERPOL")
    w.users["owner"] = make_user(own, "editor")
    w.users["own_trainer"] = make_user(own, "trainer")
    w.users["other_academy"] = make_user(other, "trainer")
    w.users["named_partner"] = make_user(cepol, "trainer")
    w.users["other_partner"] = make_user(w.orgs["interpol"], "trainer")
    items = w.items
    items["public"] = make_item(own, title="Public handbook PUBLICMARK", visibility="public",
                                areas=("cybercrime",), resource_type="handbook")
    items["network"] = make_item(own, title="Network lesson NETWORKMARK", visibility="network")
    items["named"] = make_item(own, title="Named partner deck NAMEDMARK", visibility="partners",
                               shares=(cepol,))
    items["all_partners"] = make_item(own, title="All partners video ALLPARTNERSMARK", visibility="partners",
                                      partner_scope="all")
    items["private"] = make_item(own, title="Private notes PRIVATEMARK", visibility="private")
    items["draft"] = make_item(own, title="Draft plan DRAFTMARK", visibility="public", state="draft")
    items["curriculum"] = make_item(own, kind="curriculum", title="Public curriculum CURRMARK", visibility="public")
    items["module"] = make_item(own, kind="module", parent=items["curriculum"], title="Inherited module MODMARK")
    items["hidden_child"] = make_item(own, kind="material", parent=items["module"], visibility="private",
                                      title="Hidden child HIDDENCHILDMARK")
    make_profile(w.users["own_trainer"], "public", name="Public expert EXPERTMARK")
    for who in ("owner", "own_trainer", "other_academy", "named_partner", "other_partner"):
        w.tokens[who] = issue_token(w.users[who])
    db.session.commit()
    return w


# Which items each point of view may read (mirrors the access rules; checked against can()).
EXPECTED = {
    "anonymous": {"public", "curriculum", "module"},
    "other_partner": {"public", "curriculum", "module", "all_partners"},
    "named_partner": {"public", "curriculum", "module", "all_partners", "named"},
    "other_academy": {"public", "curriculum", "module", "all_partners", "named", "network"},
    "owner": {"public", "curriculum", "module", "all_partners", "named", "network", "private", "draft",
              "hidden_child"},
}
MARKS = {
    "public": "PUBLICMARK", "network": "NETWORKMARK", "named": "NAMEDMARK", "all_partners": "ALLPARTNERSMARK",
    "private": "PRIVATEMARK", "draft": "DRAFTMARK", "curriculum": "CURRMARK", "module": "MODMARK",
    "hidden_child": "HIDDENCHILDMARK",
}
