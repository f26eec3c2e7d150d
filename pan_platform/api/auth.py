"""Who is calling: personal API tokens (`Authorization: Bearer pan_...`) or nobody.

The API, the OAI-PMH endpoint and the downloads it links to all resolve the caller here.
A request with a bearer header is authenticated by that token alone (never by a session
cookie), so a cross-site form cannot act through the API on a signed-in browser's behalf.
"""

from __future__ import annotations

from datetime import timedelta

from flask import request
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy import select

from pan_platform.accounts.models import ApiToken, User
from pan_platform.extensions import db
from pan_platform.util import utcnow

BEARER = "bearer "
LAST_USED_PRECISION = timedelta(minutes=1)


class InvalidToken(Exception):
    """A bearer header was sent, but its token is unknown, revoked, expired or its user inactive."""


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() != BEARER:
        return None
    return header[len(BEARER) :].strip() or None


def user_for_token(clear: str) -> tuple[User, ApiToken] | None:
    """The active user holding this unrevoked, unexpired token, or None."""
    if not clear.startswith("pan_") or len(clear) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(clear), ApiToken.revoked_at.is_(None))
    )
    if token is None or token.is_expired or not token.user.is_active:
        return None
    return token.user, token


def resolve_caller() -> User | AnonymousUserMixin:
    """The caller for this request, cached on the request (not on `g`, which may outlive
    one request when an application context was pushed by the caller). Raises InvalidToken."""
    if "pan.api_user" in request.environ:
        return request.environ["pan.api_user"]
    clear = bearer_token()
    if clear is not None:
        found = user_for_token(clear)
        if found is None:
            raise InvalidToken()
        user, token = found
        now = utcnow()
        # Once a minute is precise enough, and spares a write on every call of a busy client.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            token.last_used_at = now
            db.session.commit()
        request.environ["pan.api_token_id"] = token.id
        request.environ["pan.api_token_can_write"] = token.can_write
        request.environ["pan.api_user"] = user
        return user
    request.environ["pan.api_token_id"] = None
    # Reads may use the browser session too (a signed-in user trying the API in a tab).
    user = current_user._get_current_object() if current_user.is_authenticated else AnonymousUserMixin()
    request.environ["pan.api_user"] = user
    return request.environ["pan.api_user"]


def token_id() -> int | None:
    """The id of the bearer token of this request, None without one."""
    return request.environ.get("pan.api_token_id")


def token_can_write() -> bool:
    """Whether the bearer token of this request has the read+write scope."""
    return bool(request.environ.get("pan.api_token_can_write"))


# The only web pages a bearer token opens: the file downloads the API links to.
TOKEN_WEB_ENDPOINTS = frozenset({"storage.download"})


def load_user_from_request(req) -> User | None:
    """Flask-Login request loader: lets download links work with the same bearer token.

    Nothing else: on the web pages a token would act with the full account (a read token
    could create a read+write one through the profile form)."""
    if req.endpoint not in TOKEN_WEB_ENDPOINTS:
        return None
    header = req.headers.get("Authorization", "")
    if header[: len(BEARER)].lower() != BEARER:
        return None
    found = user_for_token(header[len(BEARER) :].strip())
    return found[0] if found else None
