"""Users, their roles, personal API tokens and two-factor recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.i18n import _l
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow

ROLES = {
    "trainer": _l("Trainer"),
    "editor": _l("Editor"),
    "org_admin": _l("Organisation administrator"),
    "platform_admin": _l("Platform administrator"),
}

NOTIFICATIONS = {
    "shared_with_us": _l("Items newly shared with my organisation"),
    "area_updates": _l("New items in the priority areas I follow"),
    "account_security": _l("Security notices about my account (new sign-in, password change)"),
}
# What an API token may do: "read" only, or "write" (read and write).
TOKEN_SCOPES = {
    "read": _l("Read only"),
    "write": _l("Read and write"),
}
# Lifetimes offered when creating a token, in days; None: no expiry.
TOKEN_LIFETIMES = (30, 90, 365, None)
TOKEN_DEFAULT_DAYS = 90

NOTIFICATIONS_DEFAULT = {"shared_with_us": True, "area_updates": False, "account_security": True}
INVITABLE_ROLES = ("trainer", "editor", "org_admin")

_hasher = PasswordHasher()


def use_fast_password_hashing() -> None:
    """Cheap argon2 parameters, for test suites only (never set by configuration)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


_dummy_hash: str | None = None


def spend_a_password_check(password: str) -> None:
    """Verify against a throw-away hash, so an unknown address takes as long as a wrong password
    (no account discovery by timing)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_hex(16))
    try:
        _hasher.verify(_dummy_hash, password)
    except (VerificationError, InvalidHashError):
        pass


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="trainer")
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of the session id (get_id): bumping it ends every session and remember cookie.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    time_zone: Mapped[str | None] = mapped_column(String(64))
    notification_prefs: Mapped[dict | None] = mapped_column(JSON)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last accepted TOTP time step: a code is accepted once (no replay).
    totp_last_step: Mapped[int | None]
    # The secret offered on the set-up page until a code confirms it: kept here (not in the
    # signed, readable session cookie) so that a reload shows the same QR code.
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot sign in
        return self.active and self.organisation.active

    @property
    def is_platform_admin(self) -> bool:
        return self.role == "platform_admin"

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_secret)

    def get_id(self) -> str:
        """Flask-Login's session id: "<id>:<session_version>", so old sessions die on a bump."""
        return f"{self.id}:{self.session_version or 0}"

    def end_all_sessions(self) -> None:
        self.session_version = (self.session_version or 0) + 1

    def wants(self, notification: str) -> bool:
        prefs = self.notification_prefs or {}
        return bool(prefs.get(notification, NOTIFICATIONS_DEFAULT.get(notification, False)))

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored (tokens are long random strings)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # None: the token does not expire (tokens made before expiry existed).
    expires_at: Mapped[datetime | None]
    # "read" or "write"; tokens made before scopes existed could write, and still can.
    scope: Mapped[str] = mapped_column(String(10), default="write", server_default="write")

    user: Mapped[User] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str, scope: str = "write", days: int | None = None) -> tuple[ApiToken, str]:
        """Create a token; the clear value is returned once and never stored."""
        clear = "pan_" + secrets.token_urlsafe(32)
        expires_at = utcnow() + timedelta(days=days) if days else None
        token = cls(user=user, name=name, token_hash=cls.hash_token(clear), scope=scope, expires_at=expires_at)
        return token, clear

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def can_write(self) -> bool:
        return self.scope == "write"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(db.Model):
    """An e-mailed invitation to join an organisation with a role; single use, expires."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > utcnow()


class PasswordReset(db.Model):
    """A password-reset token sent by e-mail; only its SHA-256 is stored; single use."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.expires_at > utcnow()


class RecoveryCode(db.Model):
    """A one-time code that stands in for a TOTP code at sign-in (a lost phone).

    Only a salted SHA-256 is stored: the codes are random (50 bits), so a slow hash would only
    make every sign-in check slower, while the salt keeps equal codes from sharing a hash.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    @staticmethod
    def digest(salt: str, code: str) -> str:
        return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, code: str) -> RecoveryCode:
        salt = secrets.token_hex(16)
        return cls(user_id=user.id, salt=salt, code_hash=cls.digest(salt, code))

    def matches(self, code: str) -> bool:
        return hmac.compare_digest(self.code_hash, self.digest(self.salt, code))


class LoginAttempt(db.Model):
    """A failed sign-in (or reset request), keyed by account or address.

    In the database so that every worker process sees the same counts.
    """

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def new_token() -> tuple[str, str]:
    """A random URL-safe token and its hash (only the hash is stored)."""
    clear = secrets.token_urlsafe(32)
    return clear, _token_hash(clear)


def hash_token(clear: str) -> str:
    return _token_hash(clear)
