"""Saved searches: save one from the search page's address, rename it, choose its digest,
delete it, unsubscribe by the signed link of a digest. Each public function is one unit of
work (`@operation`); a saved search is its owner's alone."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from pan_platform.access import can
from pan_platform.alerts.models import FREQUENCIES, SavedSearch
from pan_platform.catalogue.filters import FILTER_NAMES, clean_values, read_filters
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, operation
from pan_platform.util import utcnow

MAX_NAME = 200
MAX_QUERY = 200
MAX_SAVED = 100  # saved searches per person
_SALT = "pan.alerts.unsubscribe"


class AlertError(OperationError):
    """A refused or invalid change of a saved search; str(error) is for the user."""


def _require(user, saved: SavedSearch) -> None:
    if not can(user, "edit", saved) or saved.user_id != getattr(user, "id", None):
        raise AlertError(_("You do not have permission to do this."))


def criteria_of(args: Mapping) -> dict[str, list[str]]:
    """The search page's filters from a query string (or a form), checked like the page does."""
    return {name: list(values) for name, values in read_filters(args, multi=True).criteria().items()}


def filters_of(saved: SavedSearch) -> dict[str, tuple[str, ...]]:
    """The stored filters, checked again (a vocabulary may have changed since)."""
    stored = saved.filters if isinstance(saved.filters, dict) else {}
    out = {}
    for name in FILTER_NAMES:
        values = stored.get(name)
        if isinstance(values, list):
            cleaned = clean_values(name, values)
            if cleaned:
                out[name] = cleaned
    return out


def _name(value: str | None, default: str = "") -> str:
    name = (value or "").strip() or default
    if not name or len(name) > MAX_NAME:
        raise AlertError(errors={"name": _("Please enter a name of at most %(n)d characters.", n=MAX_NAME)})
    return name


def _frequency(value: str | None) -> str:
    if value not in FREQUENCIES:
        raise AlertError(errors={"frequency": _("Please choose how often to receive new matches.")})
    return value


@operation
def save_search(user, args: Mapping, name: str = "", frequency: str = "weekly") -> SavedSearch:
    """Save the search of a search page address (`args`: its q and filters)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise AlertError(_("You do not have permission to do this."))
    query = (args.get("q") or "").strip()
    if len(query) > MAX_QUERY:
        raise AlertError(errors={"q": _("The search is too long to save (at most %(n)d characters).", n=MAX_QUERY)})
    filters = criteria_of(args)
    if not query and not filters:
        raise AlertError(_("Please search for something, or choose a filter, before saving the search."))
    count = db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)) or 0
    if count >= MAX_SAVED:
        raise AlertError(_("You have saved %(n)d searches, the most there may be. Please delete one first.", n=MAX_SAVED))
    now = utcnow()
    saved = SavedSearch(user_id=user.id, name=_name(name, query or _("My search")), query=query, filters=filters,
                        frequency=_frequency(frequency), created_at=now, sent_until=now, seen_until=now)
    db.session.add(saved)
    db.session.flush()
    return saved


@operation
def update_saved_search(user, saved: SavedSearch, name: str, frequency: str) -> None:
    _require(user, saved)
    saved.name = _name(name)
    new = _frequency(frequency)
    if new != "none" and saved.frequency == "none":
        saved.sent_until = utcnow()  # a digest turned on again starts from now, not from the past
    saved.frequency = new


@operation
def delete_saved_search(user, saved: SavedSearch) -> None:
    _require(user, saved)
    db.session.delete(saved)


@operation
def mark_seen(user, saved: SavedSearch) -> None:
    """The person opened the results: the start page counts new matches from now."""
    _require(user, saved)
    saved.seen_until = utcnow()


# ------------------------------------------------------------------ unsubscribe links

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def unsubscribe_token(saved: SavedSearch) -> str:
    """A signed token naming the saved search and its owner; it works without signing in."""
    return _serializer().dumps([saved.id, saved.user_id, _stamp(saved)])


def _stamp(saved: SavedSearch) -> int:
    """When it was saved (seconds): a token never names a later search that reuses the id."""
    return int(saved.created_at.timestamp())


def saved_search_for_token(token: str) -> SavedSearch | None:
    """The saved search a token names, or None for a bad token or a deleted search."""
    try:
        saved_id, user_id, stamp = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not all(isinstance(v, int) and 0 < v < 2**53 for v in (saved_id, user_id, stamp)):
        return None
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user_id or _stamp(saved) != stamp:
        return None
    return saved


@operation
def unsubscribe(saved: SavedSearch) -> None:
    """No more digests of this search (the search itself stays saved)."""
    saved.frequency = "none"


@operation
def resubscribe(saved: SavedSearch, frequency: str) -> None:
    """Undo an unsubscription made by mistake, from the same signed link."""
    if frequency not in ("daily", "weekly"):
        raise AlertError(errors={"frequency": _("Please choose how often to receive new matches.")})
    saved.frequency = frequency
    saved.sent_until = utcnow()
