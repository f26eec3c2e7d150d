"""Import validation: a bad file is refused whole and changes nothing; a good one replaces all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from pan_platform.thesaurus import operations
from pan_platform.thesaurus.models import ThesaurusRevision, ThesaurusTerm
from tests.factories import make_org, make_user
from tests.thesaurus.helpers import SAMPLE, load_sample

HEADER = "concept,area,lang,term,preferred\n"


def _snapshot() -> list[tuple]:
    return [tuple(r) for r in db.session.execute(
        select(ThesaurusTerm.concept, ThesaurusTerm.area, ThesaurusTerm.lang, ThesaurusTerm.term,
               ThesaurusTerm.preferred).order_by(ThesaurusTerm.id))]


def _refused(data: bytes | str) -> list[str]:
    before = _snapshot()
    revisions = db.session.scalar(select(func.count(ThesaurusRevision.id)))
    with pytest.raises(operations.ThesaurusError) as caught:
        operations.import_csv(data, None)
    assert _snapshot() == before
    assert db.session.scalar(select(func.count(ThesaurusRevision.id))) == revisions
    return caught.value.problems


@pytest.mark.parametrize(("line", "fragment"), [
    ("Ransomware,cybercrime,en,ransomware,1", "not a code"),
    ("ransomware,cyber,en,ransomware,1", "unknown priority area"),
    ("ransomware,cybercrime,pt,ransomware,1", "unknown language"),
    ("ransomware,cybercrime,en,  ,1", "the term is empty"),
    ("ransomware,cybercrime,en,ransomware,maybe", "must be 1 or 0"),
    ("ransomware,cybercrime,en,=HYPERLINK(1),1", "may not begin"),
    ("ransomware,cybercrime,en", "expected 5 columns"),
    ("ransomware,cybercrime,en," + "x" * 201 + ",0", "longer than 200"),
])
def test_a_bad_row_refuses_the_whole_file_and_names_its_line(app, line, fragment):
    load_sample()
    problems = _refused(HEADER + "ok,,en,fine,1\n" + line + "\n")
    assert len(problems) == 1
    assert problems[0].startswith("Line 3:") and fragment in problems[0], problems


def test_rows_must_agree_with_each_other(app):
    problems = _refused(HEADER + "\n".join([
        "ransomware,cybercrime,en,ransomware,1",
        "ransomware,cybercrime,en,Ransom-ware,0",  # the same term once folded
        "ransomware,organized-crime,fr,rançongiciel,1",  # another area
        "ransomware,cybercrime,en,crypto-ransomware,1",  # a second preferred term
    ]) + "\n")
    assert [p.split(":")[0] for p in problems] == ["Line 3", "Line 4", "Line 5"]
    assert "line 2" in problems[0] and "area" in problems[1] and "preferred" in problems[2]


def test_file_level_problems(app):
    load_sample()
    assert "first line" in _refused("concept;area;lang;term;preferred\nx;;en;y;1\n")[0]
    assert "no terms" in _refused(HEADER)[0]
    assert "UTF-8" in _refused(HEADER.encode() + "x,,en,caf\u00e9,1\n".encode("latin-1"))[0]
    assert "larger than" in _refused(b"x" * (operations.MAX_BYTES + 1))[0]


def test_a_good_file_replaces_the_thesaurus_and_is_audited(app):
    org = make_org("secretariat", slug="secretariat", country=None)
    admin = make_user(org, "platform_admin")
    load_sample()
    revision = operations.import_csv(("\ufeff" + HEADER + "ransomware,cybercrime,en,ransomware,1\n"
                                      "ransomware,cybercrime,fr,rançongiciel,yes\n\n").encode(), admin)
    assert _snapshot() == [("ransomware", "cybercrime", "en", "ransomware", True),
                           ("ransomware", "cybercrime", "fr", "rançongiciel", True)]
    assert (revision.terms, revision.concepts, revision.user_id) == (2, 1, admin.id)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "thesaurus.import")).all()[-1]
    assert event.user_id == admin.id and event.details == {"terms": 2, "concepts": 1}


def test_only_the_secretariat_may_import(app):
    load_sample()
    trainer = make_user(make_org(), "org_admin")
    before = _snapshot()
    with pytest.raises(operations.ThesaurusError):
        operations.import_csv(HEADER + "x,,en,y,1\n", trainer)
    assert _snapshot() == before


def test_export_then_import_gives_the_same_thesaurus(app):
    load_sample()
    before = _snapshot()
    exported = operations.export_csv()
    assert exported.startswith(HEADER)
    operations.import_csv(exported, None)
    assert _snapshot() == before
    assert len(exported.splitlines()) == len(SAMPLE.strip().splitlines())
