"""Role x visibility x action, from the point of view of every role.

Each case builds one target item; the table says which roles may read it. Write actions
follow the owner academy's editing roles. Changing any single rule in the access module
makes at least one test here or in tests/sharing fail: `make mutation` checks that claim
(see docs/mutation.md for the score and the few equivalent changes).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pan_platform.access import can, files_follow_description, read_principals, user_principals
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.queries import published_readable
from pan_platform.extensions import db
from pan_platform.sharing.models import AccessRequest, ItemPolicy, ItemReader, SharingAgreement
from pan_platform.util import utcnow
from tests.factories import make_item, make_org, make_user

ROLES = (
    "anonymous", "own_trainer", "own_editor", "own_admin", "other_trainer", "other_editor",
    "cepol_user", "interpol_user", "secretariat_user", "platform_admin", "deactivated_owner",
)
OWN = {"own_trainer", "own_editor", "own_admin", "platform_admin"}
NETWORK = OWN | {"other_trainer", "other_editor", "secretariat_user"}
EVERYONE_SIGNED_IN = NETWORK | {"cepol_user", "interpol_user"}
EVERYONE = EVERYONE_SIGNED_IN | {"anonymous", "deactivated_owner"}


@pytest.fixture
def world(app):
    own = make_org("academy", slug="own-academy")
    other = make_org("academy", slug="other-academy", country="DE")
    cepol = make_org("partner", slug="cepol", country=None)
    interpol = make_org("partner", slug="interpol", country=None)
    secretariat = make_org("secretariat", slug="secretariat")
    users = {
        "anonymous": None,
        "own_trainer": make_user(own, "trainer"),
        "own_editor": make_user(own, "editor"),
        "own_admin": make_user(own, "org_admin"),
        "other_trainer": make_user(other, "trainer"),
        "other_editor": make_user(other, "editor"),
        "cepol_user": make_user(cepol, "trainer"),
        "interpol_user": make_user(interpol, "org_admin"),
        "secretariat_user": make_user(secretariat, "trainer"),
        "platform_admin": make_user(secretariat, "platform_admin"),
        "deactivated_owner": make_user(own, "editor"),
    }
    users["deactivated_owner"].active = False
    db.session.commit()
    return {"own": own, "other": other, "cepol": cepol, "interpol": interpol, "users": users}


def _case(world, name):
    own, cepol, interpol = world["own"], world["cepol"], world["interpol"]
    if name == "public":
        return make_item(own, visibility="public")
    if name == "network":
        return make_item(own, visibility="network")
    if name == "partners_all":
        return make_item(own, visibility="partners", partner_scope="all")
    if name == "partners_named_cepol":
        return make_item(own, visibility="partners", partner_scope="named", shares=(cepol,))
    if name == "private":
        return make_item(own, visibility="private")
    if name == "private_shared_cepol":
        return make_item(own, visibility="private", shares=(cepol,))
    if name == "network_shared_interpol":
        return make_item(own, visibility="network", shares=(interpol,))
    if name == "draft_public":
        return make_item(own, visibility="public", state="draft")
    if name == "archived_public":
        return make_item(own, visibility="public", state="archived")
    if name == "inherits_public_parent":
        return make_item(own, kind="module", parent=make_item(own, kind="curriculum", visibility="public"))
    if name == "inherits_draft_parent":
        parent = make_item(own, kind="curriculum", visibility="public", state="draft")
        return make_item(own, kind="module", parent=parent)
    if name == "private_override_under_public":
        parent = make_item(own, kind="curriculum", visibility="public")
        return make_item(own, kind="module", parent=parent, visibility="private")
    if name == "public_override_under_private":
        parent = make_item(own, kind="curriculum", visibility="private")
        return make_item(own, kind="module", parent=parent, visibility="public")
    if name == "grandchild_inherits_named_share":
        root = make_item(own, kind="curriculum", visibility="partners", shares=(cepol,))
        module = make_item(own, kind="module", parent=root)
        return make_item(own, kind="material", parent=module)
    if name == "grandchild_under_draft_module":
        root = make_item(own, kind="curriculum", visibility="public")
        module = make_item(own, kind="module", parent=root, state="draft")
        return make_item(own, kind="material", parent=module)
    if name == "override_ignores_parent_share":
        root = make_item(own, kind="curriculum", visibility="private", shares=(cepol,))
        return make_item(own, kind="module", parent=root, visibility="network")
    if name == "standalone_inherit":
        return make_item(own, visibility="inherit")
    if name == "unknown_visibility":
        return make_item(own, visibility="secret")
    if name == "unknown_state":
        return make_item(own, visibility="public", state="pending-review")
    if name == "unknown_partner_scope":
        return make_item(own, visibility="partners", partner_scope="some")
    return _sharing_case(world, name)


def _agreement(world, partner=None, areas=(), **kw) -> SharingAgreement:
    agreement = SharingAgreement(owner=world["own"], partner=partner, areas=list(areas), **kw)
    db.session.add(agreement)
    return agreement


def _on_request(item, *grants) -> None:
    """Files on request; `grants`: (organisation, valid_until) of approved requests."""
    item.policy = ItemPolicy(files_access="request")
    for organisation, until in grants:
        item.access_requests.append(AccessRequest(
            organisation_id=organisation.id, reason="course", status="approved", valid_until=until))


def _sharing_case(world, name):
    """Standing agreements and files on request (see pan_platform/sharing)."""
    own, cepol, interpol = world["own"], world["cepol"], world["interpol"]
    thb, past, future = ("human-trafficking",), utcnow() - timedelta(days=1), utcnow() + timedelta(days=9)
    builders = {
        "agreement_cepol_thb": lambda: (_agreement(world, cepol, thb), make_item(own, "material", visibility="private", areas=thb))[1],
        "agreement_other_area": lambda: (_agreement(world, cepol, thb), make_item(own, visibility="private"))[1],
        "agreement_all_partners": lambda: (_agreement(world), make_item(own, visibility="private"))[1],
        "agreement_expired": lambda: (_agreement(world, cepol, valid_until=past), make_item(own, visibility="private"))[1],
        "agreement_until_future": lambda: (_agreement(world, cepol, valid_until=future), make_item(own, visibility="private"))[1],
        "agreement_revoked": lambda: (_agreement(world, cepol, revoked_at=past), make_item(own, visibility="private"))[1],
        "agreement_on_draft": lambda: (_agreement(world, cepol), make_item(own, visibility="private", state="draft"))[1],
        "agreement_of_other_academy": lambda: (
            db.session.add(SharingAgreement(owner=world["other"], partner=cepol, areas=[])),
            make_item(own, visibility="private"))[1],
    }
    if name in builders:
        return builders[name]()
    item = make_item(own, visibility="partners", partner_scope="all")
    if name == "files_on_request":
        _on_request(item)
    elif name == "files_on_request_granted_interpol":
        _on_request(item, (interpol, None))
    elif name == "files_on_request_grant_expired":
        _on_request(item, (interpol, past))
    elif name == "files_on_request_grant_until_future":
        _on_request(item, (interpol, future))
    else:
        raise AssertionError(name)
    return item


READERS = {
    "public": EVERYONE,
    "network": NETWORK,
    "partners_all": EVERYONE_SIGNED_IN,
    "partners_named_cepol": NETWORK | {"cepol_user"},
    "private": OWN,
    "private_shared_cepol": OWN | {"cepol_user"},
    "network_shared_interpol": NETWORK | {"interpol_user"},
    "draft_public": OWN,
    "archived_public": OWN,
    "inherits_public_parent": EVERYONE,
    "inherits_draft_parent": OWN,
    "private_override_under_public": OWN,
    "public_override_under_private": EVERYONE,
    "grandchild_inherits_named_share": NETWORK | {"cepol_user"},
    "grandchild_under_draft_module": OWN,
    "override_ignores_parent_share": NETWORK,
    "standalone_inherit": OWN,
    "unknown_visibility": OWN,
    "unknown_state": OWN,
    "unknown_partner_scope": OWN,
    "agreement_cepol_thb": OWN | {"cepol_user"},
    "agreement_other_area": OWN,
    "agreement_all_partners": OWN | {"cepol_user", "interpol_user"},
    "agreement_expired": OWN,
    "agreement_until_future": OWN | {"cepol_user"},
    "agreement_revoked": OWN,
    "agreement_on_draft": OWN,
    "agreement_of_other_academy": OWN,
    "files_on_request": EVERYONE_SIGNED_IN,
    "files_on_request_granted_interpol": EVERYONE_SIGNED_IN,
    "files_on_request_grant_expired": EVERYONE_SIGNED_IN,
    "files_on_request_grant_until_future": EVERYONE_SIGNED_IN,
}
# Where files are given on request, downloads differ from reads.
DOWNLOADERS = {
    "files_on_request": OWN,
    "files_on_request_granted_interpol": OWN | {"interpol_user"},
    "files_on_request_grant_expired": OWN,
    "files_on_request_grant_until_future": OWN | {"interpol_user"},
}
EDITORS = {"own_editor", "own_admin", "platform_admin"}


def _allowed(world, action, obj) -> set[str]:
    """The roles for which can() says yes."""
    return {role for role, user in world["users"].items() if can(user, action, obj)}


@pytest.mark.parametrize("case", sorted(READERS))
def test_read_and_download(world, case):
    item = _case(world, case)
    db.session.commit()
    assert _allowed(world, "read", item) == READERS[case]
    assert _allowed(world, "download", item) == DOWNLOADERS.get(case, READERS[case])
    # Only where downloads follow reads may file text be indexed and shown with the item.
    assert files_follow_description(item) == (case not in DOWNLOADERS)


@pytest.mark.parametrize("case", sorted(READERS))
def test_request_access_is_for_outside_readers_without_the_files(world, case):
    item = _case(world, case)
    db.session.commit()
    outsiders = {"other_trainer", "other_editor", "cepol_user", "interpol_user", "secretariat_user", "platform_admin"}
    readers_without_files = (READERS[case] - DOWNLOADERS.get(case, READERS[case])) & outsiders
    assert _allowed(world, "request_access", item) == readers_without_files | {"platform_admin"}


def test_who_can_see_this_is_for_the_owner_academy(world):
    item = _case(world, "private")
    assert _allowed(world, "see_access", item) == OWN
    assert _allowed(world, "decide_requests", world["own"]) == {"own_admin", "platform_admin"}


@pytest.mark.parametrize("case", ["public", "private", "draft_public", "inherits_public_parent"])
def test_write_actions_belong_to_owner_editors(world, case):
    item = _case(world, case)
    db.session.commit()
    for action in ("edit", "publish", "archive", "share", "preview"):
        assert _allowed(world, action, item) == EDITORS, action


@pytest.mark.parametrize("case", ["public", "network", "private", "partners_named_cepol"])
def test_adapt_needs_read_and_an_academy_editor(world, case):
    item = _case(world, case)
    item.kind = "curriculum"
    db.session.commit()
    editors_anywhere = {"own_editor", "own_admin", "other_editor", "platform_admin"}
    assert _allowed(world, "adapt", item) == READERS[case] & editors_anywhere


def test_materials_cannot_be_adapted(world):
    item = _case(world, "public")
    assert _allowed(world, "adapt", item) == {"platform_admin"}


@pytest.mark.parametrize("kind", ["curriculum", "module"])
def test_curricula_and_modules_can_be_adapted(world, kind):
    item = make_item(world["own"], kind=kind, visibility="public")
    db.session.commit()
    assert _allowed(world, "adapt", item) == {"own_editor", "own_admin", "other_editor", "platform_admin"}


@pytest.mark.parametrize("licence", [None, "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0",
                                     "cc0-1.0", "network-use", "cc-by-nd-4.0", "cc-by-nc-nd-4.0",
                                     "all-rights-reserved"])
def test_adapt_follows_the_licence(world, licence):
    """Other academies adapt only as the licence allows; the owner academy always may;
    where adapting is refused, the other academy's editor (only) may ask for permission."""
    item = make_item(world["own"], kind="curriculum", visibility="public", licence=licence)
    db.session.commit()
    owners = {"own_editor", "own_admin", "platform_admin"}
    allowed = licence not in ("cc-by-nd-4.0", "cc-by-nc-nd-4.0", "all-rights-reserved")
    assert _allowed(world, "adapt", item) == owners | ({"other_editor"} if allowed else set())
    assert _allowed(world, "request_adaptation", item) == {"platform_admin"} | (set() if allowed else {"other_editor"})


def test_permission_to_adapt_covers_the_item_and_its_parts(world):
    from pan_platform.sharing.models import AdaptationRequest

    curriculum = make_item(world["own"], kind="curriculum", visibility="public", licence="all-rights-reserved")
    module = make_item(world["own"], kind="module", parent=curriculum, licence="all-rights-reserved")
    other = world["users"]["other_editor"]
    request = AdaptationRequest(item=curriculum, organisation_id=other.organisation_id, reason="r")
    db.session.add(request)
    db.session.commit()
    assert not can(other, "adapt", curriculum) and not can(other, "copy_part", module)
    request.status = "refused"
    db.session.commit()
    assert not can(other, "adapt", curriculum)
    request.status = "approved"
    db.session.commit()
    assert can(other, "adapt", curriculum) and can(other, "adapt", module) and can(other, "copy_part", module)
    assert not can(other, "request_adaptation", curriculum)
    assert not can(world["users"]["other_trainer"], "adapt", curriculum)  # editors adapt, not trainers
    assert _allowed(world, "decide_adaptation", curriculum) == EDITORS


def test_the_secretariat_admin_manages_its_people_but_not_platform_admins(world):
    secretariat = world["users"]["platform_admin"].organisation
    secretariat_admin = make_user(secretariat, "org_admin")
    db.session.commit()
    assert can(secretariat_admin, "manage_user", world["users"]["secretariat_user"])
    assert not can(secretariat_admin, "manage_user", world["users"]["platform_admin"])


def test_organisation_actions(world):
    for action in ("manage_users", "manage_sharing", "view_audit"):
        assert _allowed(world, action, world["own"]) == {"own_admin", "platform_admin"}, action
    assert _allowed(world, "create_item", world["own"]) == EDITORS
    assert _allowed(world, "create_item", world["cepol"]) == {"platform_admin"}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("own_trainer", {"own_admin", "platform_admin"}),
        ("own_editor", {"own_admin", "platform_admin"}),
        ("deactivated_owner", {"own_admin", "platform_admin"}),
        ("other_trainer", {"platform_admin"}),
        ("interpol_user", {"interpol_user", "platform_admin"}),
        ("platform_admin", {"platform_admin"}),
    ],
)
def test_manage_user_stays_inside_the_organisation(world, target, expected):
    assert _allowed(world, "manage_user", world["users"][target]) == expected
    assert _allowed(world, "read", world["users"][target]) == set()


def test_unknown_action_or_object_is_refused(world):
    item = _case(world, "public")
    assert _allowed(world, "delete-everything", item) == set()
    assert _allowed(world, "read", object()) == set()
    assert _allowed(world, "read", None) == set()


def test_administer_is_platform_admin_only(world):
    assert _allowed(world, "administer", None) == {"platform_admin"}


def test_principal_labels(world):
    users, own, cepol = world["users"], world["own"], world["cepol"]
    assert user_principals(None) == {"public"}
    assert user_principals(users["own_trainer"]) == {"public", "network", f"org:{own.id}"}
    assert user_principals(users["cepol_user"]) == {"public", "partners", f"org:{cepol.id}"}
    assert user_principals(users["deactivated_owner"]) == {"public"}
    item = _case(world, "partners_named_cepol")
    assert read_principals(item) == {f"org:{own.id}", "network", f"org:{cepol.id}"}


def test_reader_rows_follow_parent_changes(world):
    """The derived item_readers rows change with the parent's sharing, for every descendant."""
    own = world["own"]
    root = make_item(own, kind="curriculum", visibility="public")
    module = make_item(own, kind="module", parent=root)
    material = make_item(own, kind="material", parent=module)
    db.session.commit()
    assert {r.principal for r in material.reader_rows} == {"public", f"org:{own.id}"}
    root.visibility = "private"
    db.session.commit()
    assert {r.principal for r in material.reader_rows} == {f"org:{own.id}"}
    assert {r.principal for r in module.reader_rows} == {f"org:{own.id}"}


@pytest.mark.parametrize("case", sorted(READERS))
def test_listings_show_exactly_what_can_read_allows(world, case):
    """Catalogue listings filter in SQL (the stored labels); they must list the item for
    exactly the roles can() lets read it, platform administrators included."""
    item = _case(world, case)
    db.session.commit()
    listed = {
        role for role, user in world["users"].items()
        if item.id in set(db.session.scalars(published_readable(user).with_only_columns(Item.id)))
    }
    assert listed == (READERS[case] if item.state == "published" else set())


def test_the_owner_academy_reads_an_item_before_it_is_first_saved(world):
    """Rights follow the owner organisation at once, not only once the item has an id."""
    item = Item(kind="material", owner=world["own"], title="Unsaved", state="published", visibility="private",
                language="en")
    assert item.owner_id is None
    assert can(world["users"]["own_trainer"], "read", item)
    assert not can(world["users"]["other_trainer"], "read", item)


@pytest.mark.parametrize(("case", "logged"), [("unknown_visibility", "unknown visibility 'secret'"),
                                              ("unknown_partner_scope", "unknown partner scope 'some'")])
def test_an_unknown_rule_is_logged_with_its_item(world, case, logged, caplog):
    item = _case(world, case)
    db.session.commit()
    caplog.clear()
    with caplog.at_level("WARNING", logger="pan_platform.access.principals"):
        assert _allowed(world, "read", item) == OWN
    assert f"item {item.id}: {logged}" in caplog.messages


def _labels(item) -> set[str]:
    """The stored reader labels, read afresh from the database."""
    db.session.expire(item, ["reader_rows"])
    return {r.principal for r in item.reader_rows}


def test_deleting_a_share_row_on_its_own_removes_the_partner_label(world):
    """Not only replacing `item.shares`: a share row deleted by itself (a script, the admin
    shell, a cascade) must take the partner's label away from the item and its children."""
    own, cepol = world["own"], world["cepol"]
    module = make_item(own, kind="module", visibility="partners", partner_scope="named", shares=[cepol])
    material = make_item(own, kind="material", parent=module)
    db.session.commit()
    assert f"org:{cepol.id}" in _labels(module) and f"org:{cepol.id}" in _labels(material)
    db.session.delete(module.shares[0])
    db.session.commit()
    assert f"org:{cepol.id}" not in _labels(module)
    assert f"org:{cepol.id}" not in _labels(material)


def test_deleting_an_area_row_on_its_own_ends_the_agreement_label(world):
    own, cepol = world["own"], world["cepol"]
    _agreement(world, cepol, ("human-trafficking",))
    item = make_item(own, "material", visibility="private", areas=("human-trafficking",))
    db.session.commit()
    assert f"org:{cepol.id}" in _labels(item)
    db.session.delete(item.area_rows[0])
    db.session.commit()
    assert f"org:{cepol.id}" not in _labels(item)


def test_deleting_an_agreement_row_on_its_own_removes_its_labels(world):
    own, cepol = world["own"], world["cepol"]
    agreement = _agreement(world, cepol, ("human-trafficking",))
    item = make_item(own, "material", visibility="private", areas=("human-trafficking",))
    db.session.commit()
    assert f"org:{cepol.id}" in _labels(item)
    db.session.delete(agreement)
    db.session.commit()
    assert f"org:{cepol.id}" not in _labels(item)


def test_an_agreement_made_elsewhere_counts_after_the_next_commit(world):
    """A session that outlives a commit (a worker, a CLI loop) must not keep the agreements it
    read before: another session's new agreement applies from this session's next transaction."""
    own, cepol = world["own"], world["cepol"]
    item = make_item(own, "material", visibility="private", areas=("human-trafficking",))
    db.session.commit()
    cepol_user = world["users"]["cepol_user"]
    assert not can(cepol_user, "read", item)  # reads (and caches) the owner's agreements
    db.session.commit()
    with Session(db.engine) as other:
        other.add(SharingAgreement(owner_id=own.id, partner_id=cepol.id, areas=["human-trafficking"]))
        other.commit()
    assert can(cepol_user, "read", item)


def test_deleting_a_material_while_its_module_changes(world):
    """A deleted child is not refreshed (its rows go with it); the rest are."""
    own = world["own"]
    module = make_item(own, kind="module", visibility="public")
    kept = make_item(own, kind="material", parent=module)
    gone = make_item(own, kind="material", parent=module)
    db.session.commit()
    gone_id = gone.id
    module.visibility = "network"
    db.session.delete(gone)
    db.session.commit()
    assert _labels(kept) == {"network", f"org:{own.id}"}
    assert db.session.scalar(select(func.count()).select_from(ItemReader).where(ItemReader.item_id == gone_id)) == 0


def test_view_history_is_for_the_owner_academys_editors(world):
    for case in ("public", "network", "private"):
        assert _allowed(world, "view_history", _case(world, case)) == EDITORS, case


def test_reader_key_is_the_viewers_labels_and_one_key_for_platform_admins(world):
    from pan_platform.access.readers import ADMIN_KEY, reader_key

    users = world["users"]
    assert reader_key(users["platform_admin"]) == ADMIN_KEY
    for name, user in users.items():
        if name != "platform_admin":
            assert reader_key(user) == user_principals(user) != ADMIN_KEY, name
    assert reader_key(users["own_trainer"]) != reader_key(users["other_trainer"])


def _rounded(moment):
    return moment.replace(microsecond=0)


def test_next_expiry_is_the_soonest_end_after_now_of_the_viewers_own_rows(world):
    from pan_platform.access.readers import next_expiry

    now = _rounded(utcnow())
    soon, later, interpol_end = now + timedelta(days=2), now + timedelta(days=5), now + timedelta(days=1)
    make_item(world["own"], visibility="network")
    make_item(world["other"], visibility="network")
    db.session.add_all([
        SharingAgreement(owner=world["own"], partner=world["cepol"], areas=[], valid_until=later),
        SharingAgreement(owner=world["other"], partner=world["cepol"], areas=[], valid_until=soon),
        SharingAgreement(owner=world["own"], partner=world["interpol"], areas=[], valid_until=interpol_end),
    ])
    db.session.commit()
    cepol_user = world["users"]["cepol_user"]
    assert next_expiry(cepol_user, now) == soon  # not interpol's earlier end, not the later one
    assert next_expiry(cepol_user, soon) == later  # strictly after `now`
    assert next_expiry(cepol_user, later) is None
    assert next_expiry(world["users"]["interpol_user"], now) == interpol_end
    assert next_expiry(world["users"]["own_trainer"], now) is None  # nothing of theirs lapses
    assert next_expiry(world["users"]["platform_admin"], now) is None
    # Platform administrators read everything whatever the rows say: nothing of theirs lapses,
    # even a row of their own organisation's label.
    secretariat = world["users"]["platform_admin"].organisation
    db.session.add(SharingAgreement(owner=world["own"], partner=secretariat, areas=[], valid_until=soon))
    db.session.commit()
    assert next_expiry(world["users"]["secretariat_user"], now) == soon
    assert next_expiry(world["users"]["platform_admin"], now) is None


def test_load_agreements_fills_the_cache_of_several_owners_with_one_query(world):
    from sqlalchemy import event

    from pan_platform.access.principals import load_agreements, owner_agreements

    own, other, cepol, interpol = world["own"], world["other"], world["cepol"], world["interpol"]
    first = SharingAgreement(owner=own, partner=cepol, areas=[])
    second = SharingAgreement(owner=own, partner=None, areas=[])
    revoked = SharingAgreement(owner=own, partner=interpol, areas=[], revoked_at=utcnow())
    db.session.add_all([second, revoked])
    db.session.flush()
    db.session.add(first)  # a higher id than `second`: the cache keeps the ids' order
    db.session.commit()
    third_owner = make_org("academy", slug="third-academy")
    db.session.add(SharingAgreement(owner=third_owner, partner=cepol, areas=[]))  # asked for: only the owners missing
    db.session.commit()
    own_id, other_id, third_id = own.id, other.id, third_owner.id  # loaded before counting
    expected = {own_id: [second, first], other_id: []}
    session = db.session()
    session.info.pop("pan_agreements", None)
    statements = []

    def note(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        kept = [object()]
        session.info["pan_agreements"] = {third_id: kept}
        load_agreements(session, [own_id, other_id, None, third_id])
        assert len(statements) == 1
        cache = session.info["pan_agreements"]
        assert cache == {**expected, third_id: kept}
        assert cache[third_id] is kept  # what was cached is not asked again
        assert owner_agreements(session, own_id) == [second, first]
        load_agreements(session, [own_id, other_id])
        load_agreements(session, [None])
        assert len(statements) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_event_rules_follow_the_organiser_and_the_readers(world):
    from tests.events.helpers import make_event

    network_event = make_event(world["own"], visibility="network")
    public_event = make_event(world["own"], visibility="public")
    partner_event = make_event(world["interpol"], visibility="network")
    db.session.commit()
    for action in ("edit", "cancel", "decide"):
        assert _allowed(world, action, network_event) == EDITORS, action
        assert _allowed(world, action, partner_event) == {"interpol_user", "platform_admin"}, action
    network_readers = {"other_trainer", "other_editor", "secretariat_user"}
    assert _allowed(world, "apply", network_event) == network_readers | {"platform_admin"}
    assert _allowed(world, "apply", public_event) == network_readers | {"cepol_user", "interpol_user", "platform_admin"}
    # Editors and admins of another organisation nominate; trainers apply for themselves.
    assert _allowed(world, "nominate", network_event) == {"other_editor", "platform_admin"}
    assert _allowed(world, "nominate", public_event) == {"other_editor", "interpol_user", "platform_admin"}
    assert "own_editor" not in _allowed(world, "nominate", public_event)  # not to its own event


def test_academies_and_partners_announce_events_through_their_editors(world):
    assert _allowed(world, "create_event", world["own"]) == EDITORS
    assert _allowed(world, "create_event", world["other"]) == {"other_editor", "platform_admin"}
    assert _allowed(world, "create_event", world["interpol"]) == {"interpol_user", "platform_admin"}
    assert _allowed(world, "create_event", world["cepol"]) == {"platform_admin"}  # its user is a trainer
    secretariat = world["users"]["platform_admin"].organisation
    secretariat_editor = make_user(secretariat, "editor")
    db.session.commit()
    assert not can(secretariat_editor, "create_event", secretariat)  # the secretariat announces none


EVENT_READERS = {
    ("network", "named", ()): NETWORK,
    ("partners", "named", ("cepol",)): NETWORK | {"cepol_user"},
    ("partners", "all", ()): EVERYONE_SIGNED_IN,
    ("public", "named", ()): EVERYONE,
    ("secret", "named", ()): OWN,  # an unknown visibility: the organiser alone (fail closed)
    ("partners", "unknown", ("cepol",)): OWN,
}


@pytest.mark.parametrize("case", list(EVENT_READERS), ids=lambda c: "-".join((c[0], c[1], *c[2])))
def test_event_readers_in_rules_and_in_listings(world, case):
    """can(read) and the SQL filter of the calendar agree, for every kind of viewer."""
    from pan_platform.access import events_readable_by
    from pan_platform.events.models import Event
    from tests.events.helpers import make_event

    visibility, scope, shared = case
    event = make_event(world["own"], visibility=visibility, scope=scope, shares=[world[name] for name in shared])
    # Another organiser's event shared with INTERPOL: a share counts for its own event only.
    make_event(world["other"], visibility="partners", scope="named", shares=[world["interpol"]])
    db.session.commit()
    expected = EVENT_READERS[case]
    assert _allowed(world, "read", event) == expected
    for role, user in world["users"].items():
        listed = set(db.session.scalars(select(Event.id).where(events_readable_by(user), Event.id == event.id)))
        assert (listed == {event.id}) == (role in expected), role


@pytest.mark.parametrize("case", list(EVENT_READERS), ids=lambda c: "-".join((c[0], c[1], *c[2])))
def test_expert_readers_in_rules_and_in_the_directory(world, case):
    """Profiles use the events' table: can(read) and the directory's SQL filter agree."""
    from pan_platform.access import experts_readable_by
    from pan_platform.experts.models import ExpertProfile
    from tests.experts.helpers import make_profile

    visibility, scope, shared = case
    person = make_user(world["own"], "trainer")
    profile = make_profile(person, visibility=visibility, scope=scope, shares=[world[name] for name in shared])
    # Another academy's profile shared with INTERPOL: a share counts for its own profile only.
    make_profile(make_user(world["other"], "trainer"), visibility="partners", scope="named",
                 shares=[world["interpol"]])
    db.session.commit()
    expected = EVENT_READERS[case]
    assert _allowed(world, "read", profile) == expected
    for role, user in world["users"].items():
        listed = set(db.session.scalars(
            select(ExpertProfile.id).where(experts_readable_by(user), ExpertProfile.id == profile.id)))
        assert (listed == {profile.id}) == (role in expected), role
    deactivated_admin = make_user(world["users"]["platform_admin"].organisation, "platform_admin")
    deactivated_admin.active = False
    db.session.commit()
    hidden = ExpertProfile.id == profile.id
    assert bool(db.session.scalars(select(ExpertProfile.id).where(experts_readable_by(deactivated_admin), hidden)).all()) \
        == (visibility == "public")


def test_contact_and_profile_rules(world):
    from tests.experts.helpers import make_profile

    person = world["users"]["own_trainer"]
    profile = make_profile(person, visibility="network")
    item = _case(world, "network")
    db.session.commit()
    assert _allowed(world, "contact", profile) == {"own_editor", "own_admin", "other_trainer", "other_editor",
                                                  "secretariat_user", "platform_admin"}  # not the person
    assert _allowed(world, "contact_owner", item) == NETWORK
    everyone_in_own = {"own_trainer", "own_editor", "own_admin", "platform_admin"}
    assert _allowed(world, "create_expert_profile", world["own"]) == everyone_in_own
    assert _allowed(world, "view_statistics", item) == EDITORS


def test_a_saved_search_is_its_owners_alone(world):
    from pan_platform.alerts.models import SavedSearch

    owner = world["users"]["own_trainer"]
    saved = SavedSearch(user_id=owner.id, name="Cybercrime", query="cybercrime")
    db.session.add(saved)
    db.session.commit()
    # Platform administrators pass every rule (can()'s bypass); nobody else but the owner.
    assert _allowed(world, "read", saved) == {"own_trainer", "platform_admin"}
    assert _allowed(world, "edit", saved) == {"own_trainer", "platform_admin"}
    owner.active = False
    db.session.commit()
    assert not can(owner, "edit", saved)


def test_the_items_a_flush_affects_are_found_from_rows_written_on_their_own(world):
    """What the pipeline refreshes at a flush (readers._affected_items), asked directly: the
    item of a share or area row written or deleted by its ids, and the items of an
    agreement's owner. (The end-to-end tests of these paths are among the slowest.)"""
    from pan_platform.access.readers import STALE_KEY, _affected_items
    from pan_platform.catalogue.models import ItemArea
    from pan_platform.sharing.models import ItemShare

    item = make_item(world["own"], visibility="private")
    other_item = make_item(world["other"], visibility="network")
    db.session.commit()
    item_id, other_item_id = item.id, other_item.id
    own_id, cepol_id = world["own"].id, world["cepol"].id
    session = db.session()
    session.expunge_all()  # nothing loaded: the share's item must be looked up
    try:
        session.add(ItemShare(item_id=item_id, organisation_id=cepol_id))
        assert {found.id for found in _affected_items(session)} == {item_id}
        session.rollback()
        session.add(ItemArea(item_id=item_id, area_code="cybercrime"))
        assert {found.id for found in _affected_items(session)} == {item_id}
        session.rollback()

        share = ItemShare(item_id=item_id, organisation_id=cepol_id)
        session.add(share)
        session.flush()
        session.delete(share)
        assert {found.id for found in _affected_items(session)} == {item_id}
        assert {stale.id for stale in session.info[STALE_KEY]} == {item_id}
        session.rollback()
        session.info.pop(STALE_KEY, None)

        session.add(SharingAgreement(owner_id=own_id, partner_id=cepol_id, areas=[]))
        found = {found.id for found in _affected_items(session)}
        assert item_id in found and other_item_id not in found  # the owner's items, not another academy's
    finally:
        session.rollback()
