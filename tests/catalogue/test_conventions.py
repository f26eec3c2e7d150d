"""The shared pieces under every list and every operation: the paginator, the filter parser
and the operations' error and commit convention."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue import operations as ops
from pan_platform.catalogue.filters import read_filters
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.operations import OperationError, after_commit, operation, transaction
from pan_platform.organisations.models import Organisation
from pan_platform.paging import MAX_PAGE, Page, page_number, page_of, paginate
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user

# ------------------------------------------------------------------ paginator


@pytest.mark.parametrize(("value", "expected"), [
    (None, 1), ("", 1), ("1", 1), ("7", 7), (" 3 ", 3), (12, 12), ("0", 1), ("-2", 1), ("abc", 1),
    ("1e3", 1), ("2.5", 1), ("+4", 1), ("٣", 1), ("9" * 40, MAX_PAGE), (str(MAX_PAGE + 1), MAX_PAGE),
    ([], 1), ("1; DROP TABLE items", 1),
])
def test_page_number_is_forgiving(value, expected):
    assert page_number(value) == expected


def test_page_counts_at_the_edges():
    empty = Page(items=[], page=1, per_page=20, total=0)
    assert (empty.pages, empty.has_prev, empty.has_next, empty.next_num) == (1, False, False, None)
    exact = Page(items=list(range(20)), page=2, per_page=10, total=20)
    assert (exact.pages, exact.has_next, exact.prev_num, exact.offset) == (2, False, 1, 10)
    one_more = Page(items=[20], page=2, per_page=10, total=21)
    assert (one_more.pages, one_more.has_next, one_more.next_num) == (3, True, 3)
    past_the_end = Page(items=[], page=9, per_page=10, total=21)
    assert (past_the_end.has_next, past_the_end.prev_num) == (False, 3)  # "previous" leads back to the last page


def test_page_of_a_list_in_memory():
    rows = list(range(25))
    assert page_of(rows, 1, 10).items == list(range(10))
    last = page_of(rows, 3, 10)
    assert (last.items, last.total, last.pages, last.rows) == ([20, 21, 22, 23, 24], 25, 3, last.items)
    assert page_of(rows, 4, 10).items == [] and page_of(rows, 4, 10).total == 25
    assert page_of(rows, 1, 0).per_page == 1  # a size below one cannot divide by zero


def test_paginate_a_query_counts_all_rows_and_cuts_one_page(app):
    academy = make_org("academy", slug="paged")
    for n in range(7):
        make_item(academy, title=f"Paged {n}")
    db.session.commit()
    stmt = select(Item).order_by(Item.id)
    second = paginate(stmt, 2, 3)
    assert second.total == 7 and second.pages == 3
    assert [i.title for i in second.items] == ["Paged 3", "Paged 4", "Paged 5"]
    assert paginate(stmt, 3, 3).items[0].title == "Paged 6"
    assert paginate(stmt, 50, 3).items == [] and paginate(stmt, 50, 3).total == 7


# ------------------------------------------------------------------ filter parser

HOSTILE = MultiDict([
    ("area", "<script>alert(1)</script>"), ("area", "cybercrime"), ("language", "en' OR 1=1 --"),
    ("country", "ДЕ"), ("academy", "../../etc/passwd"), ("kind", "curriculum; drop"), ("type", "x" * 5000),
    ("audience", "\x00"), ("level", "%s%s%s"), ("sort", "id desc"), ("page", "-1"),
])


def test_hostile_filter_values_are_ignored():
    filters = read_filters(HOSTILE)
    assert filters.criteria() == {}  # MultiDict.get gives the first value: the script, ignored
    assert (filters.sort, filters.page) == ("newest", 1)
    assert filters.as_args() == {}


def test_valid_filter_values_are_kept_and_normalised():
    filters = read_filters({"area": "cybercrime", "language": "DE", "country": "at", "academy": "academy-x",
                            "kind": "module", "type": "handbook", "sort": "title", "page": "3"})
    assert filters.criteria() == {"area": "cybercrime", "language": "de", "country": "AT",
                                  "academy": "academy-x", "kind": "module", "type": "handbook"}
    assert (filters.sort, filters.page) == ("title", 3)
    assert filters.as_args(page=2)["page"] == 2 and "sort" in filters.as_args()


def test_search_reads_the_same_filters_with_its_own_orders():
    filters = read_filters({"sort": "title", "area": "cybercrime"}, sorts=("relevance", "date"))
    assert filters.sort == "relevance" and filters.area == "cybercrime"
    only = read_filters({"area": "cybercrime", "kind": "module"}, names=("area",))
    assert only.criteria() == {"area": "cybercrime"}


@pytest.mark.parametrize("path", ["/catalogue", "/search", "/shared-with-us"])
def test_pages_with_hostile_filters_answer_normally(app, client, path):
    partner = make_org("partner", slug="cepol", country=None)
    user = make_user(partner, "trainer")
    db.session.commit()
    sign_in(client, user)
    query = "&".join(f"{k}={v}" for k, v in HOSTILE.items(multi=True) if "\x00" not in v)
    response = client.get(f"{path}?{query}&page=99999999999999999999")
    assert response.status_code == 200


# ------------------------------------------------------------------ operations


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@operation
def _rename_then_refuse(org_id: int) -> None:
    db.session.get(Organisation, org_id).name = "Renamed"
    raise OperationError("refused")


def test_a_refused_operation_changes_nothing_and_runs_no_after_commit_work(app):
    academy = make_org("academy", slug="unchanged", name="Unchanged")
    db.session.commit()
    ran = []

    @operation
    def refuse() -> None:
        after_commit(lambda: ran.append("mail"))
        _rename_then_refuse(academy.id)

    with pytest.raises(OperationError):
        refuse()
    db.session.expire_all()
    assert db.session.get(Organisation, academy.id).name == "Unchanged"
    assert ran == []


def test_operations_in_one_transaction_commit_once_or_not_at_all(app):
    academy = make_org("academy", slug="grouped")
    editor = make_user(academy, "editor")
    db.session.commit()
    before, ran = _count(Item), []
    with pytest.raises(ops.InvalidInput), transaction():
        ops.create_item(editor, academy, "material", {"title": "First", "area_codes": ["cybercrime"]})
        after_commit(lambda: ran.append("first"))
        ops.create_item(editor, academy, "material", {"title": "", "area_codes": ["cybercrime"]})
    assert _count(Item) == before and ran == []
    with transaction():
        ops.create_item(editor, academy, "material", {"title": "One", "area_codes": ["cybercrime"]})
        after_commit(lambda: ran.append("done"))
        assert ran == []  # nothing runs before the outer block commits
    assert _count(Item) == before + 1 and ran == ["done"]


def test_an_operation_commits_by_itself(app):
    academy = make_org("academy", slug="commits")
    editor = make_user(academy, "editor")
    db.session.commit()
    item = ops.create_item(editor, academy, "material", {"title": "Saved", "area_codes": ["cybercrime"]})
    db.session.rollback()  # nothing is left to roll back: the operation committed
    assert db.session.get(Item, item.id).title == "Saved"


def test_every_feature_error_is_an_operation_error():
    from pan_platform.accounts.operations import AccountError
    from pan_platform.catalogue.language_versions import VersionError
    from pan_platform.catalogue.translation_ops import TranslationError
    from pan_platform.organisations.applications import ApplicationError
    from pan_platform.sharing.operations import SharingError
    from pan_platform.thesaurus.operations import ThesaurusError

    for error in (ops.InvalidInput({"title": "t"}), AccountError("a"), VersionError("v"), TranslationError("t"),
                  ApplicationError("o"), SharingError("s"), ThesaurusError(["line 2"])):
        assert isinstance(error, OperationError)
        assert error.messages() and all(error.messages())


def test_a_refused_operation_no_view_caught_gives_the_error_page_or_json(app, client):
    academy = make_org("academy", slug="probe", name="Probe")
    db.session.commit()
    app.add_url_rule("/probe/refuse", "probe_refuse", lambda: _rename_then_refuse(academy.id))
    page = client.get("/probe/refuse")
    assert page.status_code == 422 and b"refused" in page.data
    data = client.get("/probe/refuse", headers={"Accept": "application/json"})
    assert data.status_code == 422
    assert data.json["error"]["status"] == 422 and data.json["error"]["message"] == "refused"
    db.session.expire_all()
    assert db.session.get(Organisation, academy.id).name == "Probe"
    assert _count(AuditEvent) == 0
