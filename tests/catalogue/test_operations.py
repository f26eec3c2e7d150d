"""The publishing operations: permissions, life cycle, sharing, structure, adaptation, audit."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from pan_platform.access import can
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue import operations as ops
from pan_platform.catalogue import workspace
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.storage.models import FileVersion
from tests.storage import samples
from tests.storage.conftest import assert_store_consistent, blobs_on_disk

AREAS = {"area_codes": ["human-trafficking"]}


def build_curriculum(world):
    editor, austria = world["editor"], world["austria"]
    curriculum = ops.create_item(editor, austria, "curriculum", {"title": "THB investigation", **AREAS})
    first = ops.create_item(editor, austria, "module", {"title": "Victim identification"}, parent=curriculum)
    second = ops.create_item(editor, austria, "module", {"title": "Financial investigation"}, parent=curriculum)
    material = ops.create_item(editor, austria, "material", {"title": "Indicator checklist"}, parent=first)
    ops.add_file_version(editor, material, io.BytesIO(samples.pdf_with_text(["Indicators of trafficking"])),
                         "checklist.pdf")
    ops.commit()
    return curriculum, first, second, material


def actions(item=None) -> list[str]:
    stmt = select(AuditEvent.action).order_by(AuditEvent.id)
    if item is not None:
        stmt = stmt.where(AuditEvent.item_id == item.id)
    return list(db.session.scalars(stmt))


def test_new_items_are_private_drafts_until_published_and_shared(app, world):
    curriculum, first, second, material = build_curriculum(world)
    assert [c.id for c in curriculum.children] == [first.id, second.id]
    assert curriculum.state == "draft" and curriculum.visibility == "private"
    assert first.visibility == "inherit" and first.area_codes == ["human-trafficking"]
    for user in ("cepol", "de_trainer", "interpol"):
        assert not can(world[user], "read", material)
    assert can(world["trainer"], "read", material)

    ops.set_sharing(world["editor"], curriculum, "partners", "named", [world["cepol_org"].id])
    changed = ops.set_state(world["editor"], curriculum, "publish")
    ops.commit()
    assert {i.id for i in changed} == {curriculum.id, first.id, second.id, material.id}
    assert can(world["cepol"], "download", material)
    assert can(world["de_trainer"], "read", material)  # "partners" includes the academies
    assert not can(world["interpol"], "read", material)
    assert not can(None, "read", material)
    assert actions(curriculum) == ["create", "share", "publish"]
    assert actions(material) == ["create", "upload", "publish"]

    ops.set_state(world["editor"], curriculum, "archive")
    ops.commit()
    assert not can(world["cepol"], "read", material)  # what inherits disappears with the parent
    assert actions(curriculum)[-1] == "archive"


def test_hidden_items_are_not_found_and_visible_ones_forbidden(app, world):
    curriculum, *_ = build_curriculum(world)
    with pytest.raises(NotFound):
        ops.update_item(world["de_editor"], curriculum, {"title": "Taken over"})
    ops.set_sharing(world["editor"], curriculum, "network")
    ops.set_state(world["editor"], curriculum, "publish")
    ops.commit()
    with pytest.raises(Forbidden):
        ops.update_item(world["de_editor"], curriculum, {"title": "Taken over"})
    with pytest.raises(Forbidden):
        ops.update_item(world["trainer"], curriculum, {"title": "Taken over"})
    with pytest.raises(Forbidden):
        ops.create_item(world["trainer"], world["austria"], "module", {"title": "x", **AREAS})
    with pytest.raises(Forbidden):
        ops.create_item(world["de_editor"], world["austria"], "module", {"title": "x", **AREAS})


def test_invalid_values_are_reported_per_field(app, world):
    with pytest.raises(ops.InvalidInput) as error:
        ops.create_item(world["editor"], world["austria"], "curriculum", {
            "title": "  ", "area_codes": ["fraud"], "level": "expert", "duration_hours": "-3",
            "external_url": "javascript:alert(1)", "language": "xx",
        })
    assert set(error.value.errors) == {"title", "area_codes", "level", "duration_hours", "external_url", "language"}
    assert db.session.scalar(select(Item.id)) is None


def test_edit_records_changed_fields(app, world):
    curriculum, *_ = build_curriculum(world)
    ops.update_item(world["editor"], curriculum, {"title": "THB investigation (2025)", "level": "advanced",
                                                  "keywords": "victims, referral, victims", "summary": None})
    ops.commit()
    assert curriculum.keywords == ["victims", "referral"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "edit"))
    assert event.details["fields"] == ["keywords", "level", "title"]
    assert event.user_id == world["editor"].id and event.organisation_id == world["austria"].id


def test_reorder_and_attach(app, world):
    curriculum, first, second, _ = build_curriculum(world)
    ops.move(world["editor"], second, "up")
    ops.commit()
    db.session.expire_all()
    assert [c.title for c in curriculum.children] == ["Financial investigation", "Victim identification"]
    ops.move(world["editor"], second, "up")  # already first: nothing changes
    ops.commit()
    assert [c.id for c in curriculum.children][0] == second.id

    standalone = ops.create_item(world["editor"], world["austria"], "module", {"title": "Interviewing", **AREAS})
    ops.attach_module(world["editor"], curriculum, standalone)
    ops.commit()
    db.session.expire_all()
    assert [c.title for c in curriculum.children][-1] == "Interviewing"
    assert standalone not in workspace.attachable_modules(curriculum)

    other = ops.create_item(world["de_editor"], world["germany"], "module", {"title": "Theirs", **AREAS})
    ops.commit()
    with pytest.raises(NotFound):  # another academy's draft is invisible
        ops.attach_module(world["editor"], curriculum, other)


def test_adapt_copies_into_own_academy_sharing_files(app, world):
    curriculum, first, second, material = build_curriculum(world)
    hidden = ops.create_item(world["editor"], world["austria"], "material", {"title": "Internal notes"}, parent=second)
    ops.set_sharing(world["editor"], hidden, "private")
    ops.set_sharing(world["editor"], curriculum, "network")
    ops.set_state(world["editor"], curriculum, "publish")
    ops.commit()
    blobs_before = blobs_on_disk(app)

    copy = ops.adapt_item(world["de_editor"], curriculum)
    ops.commit()
    assert copy.owner_id == world["germany"].id
    assert (copy.state, copy.visibility, copy.adapted_from_id) == ("draft", "private", curriculum.id)
    titles = sorted(n.title for n in copy.descendants())
    assert titles == ["Financial investigation", "Indicator checklist", "Victim identification"]  # not the hidden one
    copied_material = next(n for n in copy.descendants() if n.kind == "material")
    assert copied_material.current_file.sha256 == material.current_file.sha256
    assert copied_material.current_file.id != material.current_file.id
    assert copied_material.current_file.text_status == "done"
    assert blobs_on_disk(app) == blobs_before  # no file duplicated
    assert actions(copy) == ["adapt"]

    # The original lists the adaptation only to those who may read the copy.
    assert workspace.adaptations(world["de_trainer"], curriculum).count == 1
    assert workspace.adaptations(world["editor"], curriculum).count == 0  # a private draft of Germany
    ops.set_sharing(world["de_editor"], copy, "network")
    ops.set_state(world["de_editor"], copy, "publish")
    ops.commit()
    seen = workspace.adaptations(world["editor"], curriculum)
    assert seen.count == 1 and [o.slug for o in seen.academies] == ["academy-germany"]
    assert workspace.readable_original(world["de_trainer"], copy) == curriculum
    ops.set_sharing(world["editor"], curriculum, "private")
    ops.commit()
    assert workspace.readable_original(world["de_trainer"], copy) is None

    # Deleting one copy's version would not touch the shared blob of the other.
    assert_store_consistent(app)
    assert db.session.query(FileVersion).filter_by(sha256=material.current_file.sha256).count() == 2


def test_adapt_needs_a_readable_curriculum_or_module_and_an_editor(app, world):
    curriculum, _, _, material = build_curriculum(world)
    with pytest.raises(NotFound):
        ops.adapt_item(world["de_editor"], curriculum)  # still a private draft
    ops.set_sharing(world["editor"], curriculum, "network")
    ops.set_state(world["editor"], curriculum, "publish")
    ops.commit()
    with pytest.raises(Forbidden):
        ops.adapt_item(world["de_trainer"], curriculum)
    with pytest.raises(Forbidden):
        ops.adapt_item(world["de_editor"], material)  # materials are not adapted alone


def test_preview_uses_the_access_module(app, world):
    curriculum, first, second, material = build_curriculum(world)
    ops.set_sharing(world["editor"], curriculum, "partners", "named", [world["cepol_org"].id])
    ops.set_sharing(world["editor"], second, "private")
    ops.set_state(world["editor"], curriculum, "publish")
    ops.commit()
    nodes, rows = workspace.preview(curriculum, world["cepol_org"])
    assert [n.id for n in nodes] == [curriculum.id, first.id, material.id, second.id]
    by_label = {row.label: row.visible for row in rows}
    assert by_label["A trainer of another academy"] == [True, True, True, False]
    assert by_label["A member of CEPOL"] == [True, True, True, False]
    assert by_label["The public (not signed in)"] == [False, False, False, False]
    _, rows = workspace.preview(curriculum, world["interpol_org"])
    assert rows[1].visible == [False, False, False, False]
