"""The one parser of list filters from a query string: catalogue browse, shared with us, the
search page, the API lists and search, and the private feed.

Rule for bad values: a filter value that is not valid is ignored (as if absent), the same
way on every page, so a hand-edited or stale address still shows a list and never an error
page. Vocabulary filters (area, type, kind, audience, level) must be one of their codes;
codes and slugs (language, country, academy) must have the form of one (a well-formed code
that no item has simply matches nothing); the sort must be one the list offers; the page
number is read by `paging.page_number`. The API checks its parameters against its schema
first (a bad value there is a 400 in the API's error format) and then uses this parser too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pan_platform.catalogue.vocabularies import AUDIENCES, ITEM_KINDS, LEVELS, PRIORITY_AREAS, RESOURCE_TYPES
from pan_platform.paging import page_number

VOCABULARY_FILTERS = {
    "area": PRIORITY_AREAS, "type": RESOURCE_TYPES, "kind": ITEM_KINDS, "audience": AUDIENCES, "level": LEVELS,
}
FILTER_NAMES = ("area", "language", "country", "academy", "kind", "type", "audience", "level")
CATALOGUE_SORTS = ("newest", "updated", "title", "downloads")
MAX_VALUES = 20  # values of one filter read from a query string (multi-select), the rest ignored


def short_code(value: object, upper: bool = False) -> str | None:
    """A language or country code from a query string, or None for anything else."""
    if not isinstance(value, str) or not value or len(value) > 8 or not value.replace("-", "").isalpha():
        return None
    if not value.isascii():
        return None
    return value.upper() if upper else value.lower()


def slug_or_none(value: object) -> str | None:
    """An organisation slug from a query string, or None for anything else."""
    if not isinstance(value, str) or not value or len(value) > 80 or not value.isascii():
        return None
    if not all(c.isalnum() or c == "-" for c in value):
        return None
    return value


def clean_filter(name: str, value: object) -> str | None:
    """One filter value, or None when it is absent or not valid."""
    if name in VOCABULARY_FILTERS:
        return value if isinstance(value, str) and value in VOCABULARY_FILTERS[name] else None
    if name == "language":
        return short_code(value)
    if name == "country":
        return short_code(value, upper=True)
    if name == "academy":
        return slug_or_none(value)
    raise KeyError(name)


def clean_values(name: str, values: Iterable) -> tuple[str, ...] | None:
    """The valid, distinct values of a multi-select filter in their order, or None for none."""
    cleaned = (clean_filter(name, value) for value in list(values)[:MAX_VALUES])
    kept = tuple(dict.fromkeys(value for value in cleaned if value))
    return kept or None


def values_of(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """A filter's values as a tuple, whether it was read as one value or several."""
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


Value = str | tuple[str, ...] | None  # one value, or several (OR) when read with multi=True


@dataclass
class Filters:
    """Checked filters of a list, its order and page number."""

    area: Value = None
    language: Value = None
    country: Value = None
    academy: Value = None
    kind: Value = None
    type: Value = None
    audience: Value = None
    level: Value = None
    sort: str = "newest"
    page: int = 1

    def criteria(self) -> dict[str, Value]:
        """The filters that are set, by name (without order and page)."""
        return {name: getattr(self, name) for name in FILTER_NAMES if getattr(self, name)}

    def as_args(self, **changes) -> dict:
        """Query-string arguments for links to this list (the default order and page 1 left out)."""
        values = {**self.criteria(), "sort": self.sort, **changes}
        return {k: v for k, v in values.items() if v and not (k == "sort" and v == CATALOGUE_SORTS[0])}


def read_filters(args: Mapping, sorts: Iterable[str] = CATALOGUE_SORTS,
                 names: Iterable[str] = FILTER_NAMES, multi: bool = False) -> Filters:
    """Filters from a query string (any mapping with .get); only `names` are read, the first
    of `sorts` is the default order, and every bad value is ignored. With `multi`, a filter
    given several times keeps every valid value (a tuple: any of them matches)."""
    sorts = tuple(sorts)
    if multi and hasattr(args, "getlist"):
        values = {name: clean_values(name, args.getlist(name)) for name in names}
    else:
        values = {name: clean_filter(name, args.get(name)) for name in names}
    sort = args.get("sort")
    return Filters(
        **values,
        sort=sort if isinstance(sort, str) and sort in sorts else sorts[0],
        page=page_number(args.get("page")),
    )

