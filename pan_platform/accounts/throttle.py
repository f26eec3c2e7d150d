"""Sign-in throttling per account and per address, counted in the database.

The database (not process memory) holds the failures, so every gunicorn worker sees
the same counts. A success clears the account's failures; old rows are pruned as we go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from pan_platform.accounts.models import LoginAttempt
from pan_platform.extensions import db
from pan_platform.util import utcnow


@dataclass(frozen=True)
class Limit:
    prefix: str
    max_failures: int
    window: timedelta


ACCOUNT = Limit("account", 5, timedelta(minutes=15))
ADDRESS = Limit("ip", 20, timedelta(minutes=15))
RESET = Limit("reset", 5, timedelta(minutes=15))
# Wrong second-factor codes (app or recovery codes). Apart from ACCOUNT because a right
# password clears ACCOUNT: re-entering it must not buy more guesses at the code.
SECOND_FACTOR = Limit("2fa", 5, timedelta(minutes=15))


def _key(limit: Limit, value: str) -> str:
    return f"{limit.prefix}:{value.strip().lower()}"[:300]


def failures(limit: Limit, value: str) -> int:
    """The failures counted now for `value` (within the window)."""
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.key == _key(limit, value), LoginAttempt.at > utcnow() - limit.window
        )
    )


def wait_minutes(limit: Limit, value: str) -> int:
    """0 when allowed, else the minutes until the oldest counted failure leaves the window."""
    since = utcnow() - limit.window
    key = _key(limit, value)
    count, oldest = db.session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.at)).where(
            LoginAttempt.key == key, LoginAttempt.at > since
        )
    ).one()
    if count < limit.max_failures:
        return 0
    remaining = (oldest + limit.window - utcnow()).total_seconds()
    return max(1, math.ceil(remaining / 60))


def blocked_for(checks: list[tuple[Limit, str]]) -> int:
    return max((wait_minutes(limit, value) for limit, value in checks if value), default=0)


def note_failure(checks: list[tuple[Limit, str]]) -> None:
    for limit, value in checks:
        if value:
            db.session.add(LoginAttempt(key=_key(limit, value)))
    _prune()
    db.session.commit()


def clear(limit: Limit, value: str) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == _key(limit, value)))


def _prune() -> None:
    longest = max(ACCOUNT.window, ADDRESS.window, RESET.window, SECOND_FACTOR.window)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - longest))
