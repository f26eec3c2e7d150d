"""Session loading and safe post-sign-in redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from pan_platform.accounts.models import User
from pan_platform.extensions import db


def load_user(user_id: str) -> User | None:
    """Sessions carry "<id>:<session_version>" (User.get_id); a bumped version ends them."""
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.is_active or (user.session_version or 0) != int(version):
        return None
    return user


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: refuses //host, ////host, /\\host, schemes and control characters."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
