"""New matches of saved searches, and the digests that send them.

A match is found by the search page's own code (`search.search`, then `readable_hits`) run
as the search's owner, with their permissions at that moment: an item they lost access to
is not in the next digest, and one newly shared with them may be.

Idempotence. Each digest covers a fixed period: items published after the search's
`sent_until` and up to the start of the current day (daily, UTC) or week (weekly, Monday).
A saved search whose `sent_until` already reaches that moment is skipped, so running the
job twice sends nothing twice. The period is claimed by a conditional UPDATE committed
before the e-mail leaves (two workers at once cannot both send it); if sending fails, the
claim is given back and the next run tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from pan_platform import mail, search
from pan_platform.accounts.models import User
from pan_platform.accounts.operations import link_for
from pan_platform.alerts.models import SavedSearch
from pan_platform.alerts.operations import filters_of, unsubscribe_token
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.search.hits import readable_hits
from pan_platform.util import utcnow

log = logging.getLogger(__name__)

PER_PAGE = 50
MAX_PAGES = 4
MAX_ITEMS = 50  # items listed in one digest; the e-mail links to the search for the rest


def new_matches(user, saved: SavedSearch, since: datetime, until: datetime, lang: str,
                limit: int = MAX_ITEMS) -> list[Item]:
    """Items matching `saved` that `user` may read now and that were published in
    (since, until], newest first."""
    found: list[Item] = []
    filters = filters_of(saved)
    for page in range(1, MAX_PAGES + 1):
        result = search.search(user, saved.query, filters=filters, page=page, sort="date", lang=lang,
                               per_page=PER_PAGE)
        hits = readable_hits(user, result)
        older = False
        for item in hits.items:
            published = item.published_at
            if published is None:
                continue
            if published <= since:
                older = True
            elif published <= until:
                found.append(item)
        if older or len(found) >= limit or len(result.ids) < PER_PAGE:
            break
    return found[:limit]


def period_end(frequency: str, now: datetime) -> datetime:
    """The end of the last whole period before `now`: today 00:00 UTC, or this Monday 00:00."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if frequency == "weekly":
        return midnight - timedelta(days=midnight.weekday())
    return midnight


def search_link(saved: SavedSearch, locale: str | None) -> str:
    return link_for("search.search_page", locale, q=saved.query or None, sort="date",
                    **{name: list(values) for name, values in filters_of(saved).items()})


@dataclass(frozen=True)
class DigestReport:
    sent: int = 0
    empty: int = 0  # periods with nothing new: recorded as done, no e-mail
    failed: int = 0


def _claim(saved: SavedSearch, end: datetime) -> datetime | None:
    """Take the period (sent_until -> end) for this run; None when another run has it."""
    before = saved.sent_until
    taken = db.session.execute(
        update(SavedSearch).where(SavedSearch.id == saved.id, SavedSearch.sent_until == before)
        .values(sent_until=end).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return before if taken.rowcount == 1 else None


def _give_back(saved_id: int, end: datetime, before: datetime) -> None:
    db.session.execute(
        update(SavedSearch).where(SavedSearch.id == saved_id, SavedSearch.sent_until == end)
        .values(sent_until=before).execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_digests(now: datetime | None = None) -> DigestReport:
    """Send every digest that is due (see the module's docstring)."""
    now = now or utcnow()
    sent = empty = failed = 0
    due = list(db.session.execute(
        select(SavedSearch.id, SavedSearch.frequency, SavedSearch.sent_until)
        .join(User, User.id == SavedSearch.user_id)
        .where(SavedSearch.frequency.in_(("daily", "weekly")), User.active.is_(True))
        .order_by(SavedSearch.id)
    ).all())
    for saved_id, frequency, sent_until in due:
        end = period_end(frequency, now)
        if sent_until >= end:
            continue
        saved = db.session.get(SavedSearch, saved_id)
        if saved is None:
            continue
        before = _claim(saved, end)
        if before is None:
            continue
        try:
            if _send_one(saved, before, end, now):
                sent += 1
            else:
                empty += 1
        except Exception:
            log.exception("the digest of saved search %s could not be sent", saved_id)
            db.session.rollback()
            _give_back(saved_id, end, before)
            failed += 1
    return DigestReport(sent=sent, empty=empty, failed=failed)


def _send_one(saved: SavedSearch, since: datetime, until: datetime, now: datetime) -> bool:
    db.session.refresh(saved)
    user = saved.user
    if not user.is_active:  # deactivated, or their organisation suspended: the period passes unsent
        return False
    locale = mail.recipient_locale(user.locale)
    items = new_matches(user, saved, since, until, locale)
    if not items:
        return False
    links = {item.id: link_for("catalogue.detail", locale, item_id=item.id) for item in items}
    mail.send_template(
        user.email, "saved_search_digest", locale, user=user, saved=saved, items=items, links=links,
        lang=locale, search_link=search_link(saved, locale),
        unsubscribe_link=link_for("alerts.unsubscribe", locale, token=unsubscribe_token(saved)),
        manage_link=link_for("alerts.index", locale),
    )
    db.session.execute(update(SavedSearch).where(SavedSearch.id == saved.id).values(last_sent_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return True


def run_scheduled() -> DigestReport:
    """The scheduler's job: digests due now."""
    return send_digests()
