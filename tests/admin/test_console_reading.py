"""The console reads well: monthly trends, audit events in words, index health as a table."""

from __future__ import annotations

import ast
import re
from datetime import date, datetime
from pathlib import Path

import pytest

import pan_platform
from pan_platform.admin import index_health, trends
from pan_platform.audit.labels import ACTION_LABELS
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.operations import STATE_ACTIONS
from pan_platform.extensions import db
from tests.accounts.helpers import admin_client, as_client
from tests.factories import make_item, make_org, make_user

SOURCE = Path(pan_platform.__file__).parent


@pytest.fixture
def console(app, client):
    org = make_org("secretariat", slug="secretariat", country=None)
    admin = make_user(org, "platform_admin", email="admin@secretariat.example")
    db.session.commit()
    return admin_client(app, client, admin)


def _recorded_codes() -> tuple[set[str], set[str], list[str]]:
    """(literal codes, prefixes of built codes, calls whose code is a plain name) of every
    `record(` call of the audit module in the package."""
    codes, prefixes, names = set(), set(), []
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        if "import record" not in text and "def record(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant):
                codes.add(first.value)
            elif isinstance(first, ast.IfExp):
                codes.update(part.value for part in (first.body, first.orelse))
            elif isinstance(first, ast.BinOp) and isinstance(first.left, ast.Constant):
                prefixes.add(first.left.value)
            else:
                names.append(f"{path.name}:{node.lineno}:{ast.unparse(first)}")
    return codes, prefixes, names


def test_every_recorded_action_code_has_a_label():
    codes, prefixes, names = _recorded_codes()
    assert "account.2fa_enable" in codes and "upload" in codes  # the scan finds the calls
    assert sorted(codes - set(ACTION_LABELS)) == []
    for prefix in prefixes:  # "sharing.access_" + status: each status the code sets
        built = {code for code in ACTION_LABELS if code.startswith(prefix)}
        assert {prefix + s for s in ("approved", "refused")} <= built, prefix
    # The one call with a variable code records the item's state changes.
    assert all(n.endswith(":action") for n in names), names
    assert set(STATE_ACTIONS) <= set(ACTION_LABELS)


def test_audit_log_shows_labels_and_readable_values(app, client, console):
    item = make_item(make_org(), title="Handbook")
    db.session.add_all([
        AuditEvent(action="account.2fa_enable"),
        AuditEvent(action="upload", item=item, details={"version": 2, "name": "handout.pdf", "file": 7}),
    ])
    db.session.commit()
    page = as_client(client).get("/admin/audit").get_data(as_text=True)
    assert "Two-factor enabled" in page and "File version 2 uploaded: handout.pdf" in page
    assert "<code>account.2fa_enable</code>" not in page
    german = as_client(client).get("/admin/audit", headers={"Accept-Language": "de"})
    assert german.status_code == 200


def test_overview_chart_has_twelve_months_with_the_data(app, client, console, monkeypatch):
    today = trends.utcnow().date()
    this_month = date(today.year, today.month, 1)
    org = make_org()
    for _ in range(3):
        make_item(org)
    old = make_item(org)
    old.created_at = datetime(today.year - 2, 1, 15)  # outside the 12 months
    make_user(org).created_at = datetime(today.year - 2, 1, 15)
    db.session.add_all([AuditEvent(action="download") for _ in range(5)])
    db.session.commit()
    page = as_client(client).get("/admin/").get_data(as_text=True)
    charts = re.findall(r"<svg class=\"trend-chart\".*?</svg>", page, re.S)
    assert len(charts) == 3 and "<script" not in page.split("<main", 1)[-1]
    month_key = f"{this_month:%Y-%m}"
    for chart, expected in zip(charts, (3, 1, 5), strict=True):  # items, the admin, downloads
        bars = re.findall(r'data-month="([\d-]+)" data-value="(\d+)"', chart)
        assert len(bars) == 12 and bars[-1][0] == month_key
        assert int(bars[-1][1]) == expected and sum(int(v) for _, v in bars) == expected


def test_last_months_cross_the_year():
    months = trends.last_months(date(2026, 2, 20))
    assert len(months) == 12 and months[0] == date(2025, 3, 1) and months[-1] == date(2026, 2, 1)


def test_index_health_runs_on_open_as_a_table(app, client, console):
    make_item(make_org(), title="Indexed handbook")
    db.session.commit()
    page = as_client(client).get("/admin/index").get_data(as_text=True)
    assert 'class="index-health"' in page
    assert re.search(r"<th scope=\"row\">Items in the database</th><td>1</td>", page)
    assert "Missing from the index" in page and "in_database" not in page


def test_index_health_on_open_is_bounded(app, client, console, monkeypatch):
    monkeypatch.setattr(index_health, "INLINE_CHECK_ITEMS", 0)
    make_item(make_org())
    db.session.commit()
    called = []
    monkeypatch.setattr(index_health, "check", lambda repair=False: called.append(repair))
    page = as_client(client).get("/admin/index").get_data(as_text=True)
    assert called == [] and 'class="index-health"' not in page and "The catalogue is large" in page
