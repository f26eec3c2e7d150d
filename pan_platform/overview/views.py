"""The insight dashboard (public, and richer for signed-in members and the secretariat),
its data as CSV files, and an item's usage figures for its owner's editors. Thin: the
figures come from queries.py (readable items only), the pictures from charts.py."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_login import current_user

from pan_platform.access import can
from pan_platform.catalogue.vocabularies import LEVELS, PRIORITY_AREAS, label
from pan_platform.i18n import RTL_LANGUAGES, _
from pan_platform.overview import charts, queries
from pan_platform.web.templating import country_name, language_name

bp = Blueprint("overview", __name__, template_folder="templates")

PUBLIC_DATASETS = ("coverage", "languages", "levels", "growth", "gaps")
MEMBER_DATASETS = ("usage", "downloads", "adaptations")
CSV_UNSAFE = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so


@dataclass
class Table:
    """A dataset as shown: its caption, column headings and rows (first cell: the row's name)."""

    name: str
    title: str
    head: list[str]
    rows: list[list]


def _member() -> bool:
    return bool(current_user.is_authenticated)


def _rtl() -> bool:
    return str(get_locale()) in RTL_LANGUAGES


def _number(value) -> str:
    return format_decimal(value)


def _month(day) -> str:
    return format_date(day, "MMM yyyy")


def _level(code: str) -> str:
    return label(LEVELS, code) if code else _("Not given")


def _title(item) -> str:
    return item.localized(str(get_locale()))["title"] if item is not None else ""


def _tables(d: queries.Dashboard, listed: int = queries.TOP_CSV) -> dict[str, Table]:
    """Every dataset as a table; the "most" lists cut at `listed` entries."""
    areas = [label(PRIORITY_AREAS, code) for code in d.areas]
    tables = {
        "coverage": Table("coverage", _("Coverage: priority areas by country"), [_("Country"), *areas],
                          [[country_name(c), *(d.coverage.get((c, a), 0) for a in d.areas)] for c in d.countries]),
        "languages": Table("languages", _("Resources by language"), [_("Language"), _("Resources")],
                           [[language_name(code), n] for code, n in d.languages]),
        "levels": Table("levels", _("Resources by level"), [_("Level"), _("Resources")],
                        [[_level(code), n] for code, n in d.levels]),
        "growth": Table("growth", _("Growth: resources published per month"),
                        [_("Month"), _("Published"), _("Total")],
                        [[_month(m), n, total] for m, n, total in zip(d.months, d.growth, d.cumulative, strict=True)]),
        "gaps": Table("gaps", _("Gaps: nothing yet for this area, language and level"),
                      [_("Priority area"), _("Language"), _("Level")],
                      [[label(PRIORITY_AREAS, a), language_name(lc), _level(lv)] for a, lc, lv in d.gaps]),
    }
    if d.member:
        top_downloaded, adapted = d.top_downloaded[:listed], d.adapted[:listed]
        items = queries.items_by_id([i for i, *_r in top_downloaded] + [i for i, *_r in adapted])
        tables["usage"] = Table("usage", _("Views and downloads per month"), [_("Month"), _("Views"), _("Downloads")],
                                [[_month(m), v, n] for m, v, n in zip(d.usage_months, d.views, d.downloads, strict=True)])
        tables["downloads"] = Table(
            "downloads", _("Most downloaded"), [_("Resource"), _("Academy"), _("Downloads"), _("Views")],
            [[_title(items.get(i)), items[i].owner.local_name if i in items else "", n, v]
             for i, n, v in top_downloaded])
        tables["adaptations"] = Table(
            "adaptations", _("Most adapted"),
            [_("Resource"), _("Academy"), _("Adapted copies"), _("Adapting academies"), _("Their countries")],
            [[_title(items.get(i)), items[i].owner.local_name if i in items else "", copies, academies, countries]
             for i, copies, academies, countries in adapted])
    return tables


def _charts(d: queries.Dashboard, tables: dict) -> dict:
    rtl = _rtl()
    area_numbers = [str(n) for n in range(1, len(d.areas) + 1)]
    out = {
        "coverage": charts.heat_map(
            [row[0] for row in tables["coverage"].rows], area_numbers, [row[1:] for row in tables["coverage"].rows],
            tables["coverage"].title, rtl, _number),
        "languages": charts.bar_chart([(r[0], r[1]) for r in tables["languages"].rows], tables["languages"].title, rtl, _number),
        "levels": charts.bar_chart([(r[0], r[1]) for r in tables["levels"].rows], tables["levels"].title, rtl, _number),
        "growth": charts.column_chart([format_date(m, "MMM yy") for m in d.months],
                                      [(_("Published"), d.growth, "series-1")], tables["growth"].title, rtl, _number,
                                      every=3),
    }
    if d.member:
        out["usage"] = charts.column_chart(
            [format_date(m, "MMM") for m in d.usage_months],
            [(_("Views"), d.views, "series-1"), (_("Downloads"), d.downloads, "series-2")],
            tables["usage"].title, rtl, _number)
        out["downloads"] = charts.bar_chart([(r[0], r[2]) for r in tables["downloads"].rows[: queries.TOP]],
                                            tables["downloads"].title, rtl, _number)
        out["adaptations"] = charts.bar_chart([(r[0], r[3]) for r in tables["adaptations"].rows[: queries.TOP]],
                                              tables["adaptations"].title, rtl, _number)
    return out


@bp.route("/overview")
def dashboard():
    d = queries.dashboard(current_user)
    tables = _tables(d, queries.TOP_PAGE)  # the CSV files hold the longer lists
    return render_template(
        "overview/dashboard.html", d=d, tables=tables, charts=_charts(d, tables), top=queries.TOP,
        top_page=queries.TOP_PAGE, top_csv=queries.TOP_CSV,
        areas=[(n, label(PRIORITY_AREAS, code)) for n, code in enumerate(d.areas, start=1)],
        gap_total=len(d.areas) * len(current_app.config["PAN_LANGUAGES"]) * len(LEVELS),
    )


def _cell(value) -> str | int:
    if isinstance(value, str) and value.startswith(CSV_UNSAFE):
        return "'" + value
    return value


@bp.route("/overview/<name>.csv")
def dataset_csv(name: str):
    if name in MEMBER_DATASETS and not _member():
        return current_app.login_manager.unauthorized()
    if name not in PUBLIC_DATASETS + MEMBER_DATASETS:
        abort(404)
    table = _tables(queries.dashboard(current_user))[name]
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets then read the file as UTF-8 (Cyrillic, Arabic)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in table.head])
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="pan-overview-{name}.csv"'
    return response


@bp.app_template_global()
def item_usage_of(item):
    """(views, downloads, countries) of an item for those who may see its statistics."""
    if not can(current_user, "view_statistics", item):
        return None
    return queries.item_usage(item.id)


@bp.app_template_global()
def overview_csv_url(name: str) -> str:
    return url_for("overview.dataset_csv", name=name)
