"""The index follows every commit: edits, sharing (with inheriting children), deletions,
rollbacks; a failed index write keeps the database change and is retried."""

from __future__ import annotations

from pan_platform import search
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.search import index as search_index
from pan_platform.sharing.models import ItemShare
from pan_platform.storage.models import FileVersion, MaterialFile
from tests.search.conftest import add_translation, make_text_item


def ids(user, query: str) -> list[int]:
    return search.search(user, query).ids


def test_edits_reach_the_index_after_commit(world):
    item = make_text_item(world["academy"], "Patrol basics", "Foot patrol")
    db.session.commit()
    assert ids(None, "patrol") == [item.id]
    item.title = "Roadblock basics"
    db.session.commit()
    assert ids(None, "roadblock") == [item.id]
    assert ids(None, "patrol") == [item.id]  # still in the summary
    add_translation(item, "fr", "Les barrages routiers", "Contrôles")
    db.session.commit()
    assert ids(None, "barrages") == [item.id]
    item.files.append(MaterialFile(role="handout", language="en", versions=[FileVersion(
        item=item, number=1, sha256="0" * 64, size=10, mime_type="text/plain", original_name="a.txt",
        text="Checkpoint procedures in depth", text_status="done", text_language="en",
    )]))
    db.session.commit()
    assert ids(None, "checkpoint") == [item.id]
    db.session.delete(item)
    db.session.commit()
    assert ids(None, "roadblock") == []


def test_rollback_discards_collected_changes(world):
    item = make_text_item(world["academy"], "Evidence handling", "Chain of custody")
    db.session.commit()
    assert ids(None, "evidence") == [item.id]
    item.title = "Renamedword"
    db.session.flush()
    db.session.rollback()
    assert ids(None, "renamedword") == []
    assert ids(None, "evidence") == [item.id]


def test_sharing_a_curriculum_reindexes_its_inheriting_children(world):
    named = world["users"]["named_partner"]
    curriculum = make_text_item(world["academy"], "Border curriculum", kind="curriculum", visibility="network")
    module = make_text_item(world["academy"], "Border module", kind="module", parent=curriculum)
    material = make_text_item(world["academy"], "Border material", kind="material", parent=module)
    own_rule = make_text_item(world["academy"], "Border private material", kind="material", parent=module,
                              visibility="private")
    db.session.commit()
    assert ids(named, "border") == []
    curriculum.shares.append(ItemShare(organisation=world["named"]))
    db.session.commit()
    assert sorted(ids(named, "border")) == sorted([curriculum.id, module.id, material.id])
    assert own_rule.id not in ids(named, "border")
    # Taking the share back hides the whole branch again.
    curriculum.shares.clear()
    db.session.commit()
    assert ids(named, "border") == []
    # So does unpublishing the curriculum, for everyone outside the academy.
    other_editor = world["users"]["other_editor"]
    assert len(ids(other_editor, "border")) == 3
    curriculum.state = "draft"
    db.session.commit()
    assert ids(other_editor, "border") == []


def test_failed_index_write_keeps_the_change_and_is_retried(world, monkeypatch):
    item = make_text_item(world["academy"], "Witness interviews", "Cognitive interview")
    db.session.commit()
    assert ids(None, "witness") == [item.id]
    real_write = search_index._write_locked

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(search_index, "_write_locked", broken)
    item.visibility = "private"
    item.title = "Suspect interviews"
    db.session.commit()  # must not raise
    db.session.expire_all()
    assert db.session.get(Item, item.id).title == "Suspect interviews"  # the change stands
    assert item.id in search_index.pending(search.index_path())
    report = search.check()
    assert item.id in report.stale and item.id in report.pending and not report.clean
    # The next write (any commit) retries the queued ids.
    monkeypatch.setattr(search_index, "_write_locked", real_write)
    other = make_text_item(world["academy"], "Unrelated", "Other")
    db.session.commit()
    assert search_index.pending(search.index_path()) == set()
    assert ids(None, "witness") == [] and ids(None, "suspect") == []
    assert ids(world["users"]["owner_trainer"], "suspect") == [item.id]
    assert search.check().clean
    assert other.id in ids(None, "unrelated")


def test_check_index_repairs_drift(world):
    a = make_text_item(world["academy"], "Forensic basics", "Fingerprints")
    db.session.commit()
    assert ids(None, "forensic") == [a.id]
    base = search.index_path()
    # Drift behind the index's back: a document removed and a stale one written.
    search_index.write(base, [], delete_ids=[a.id])
    b = make_text_item(world["academy"], "Drifted", "x")
    db.session.commit()
    search_index.write(base, [], delete_ids=[b.id])
    report = search.check()
    assert set(report.missing) == {a.id, b.id}
    repaired = search.check(repair=True)
    assert repaired.repaired and search.check().clean
    assert ids(None, "forensic") == [a.id]
