"""Account operations: sign-in, invitations, password resets, roles, profiles, tokens, 2FA.

Views call these; each one that acts on someone else checks can() itself and each one
that writes commits (the rule of `pan_platform/operations.py`); e-mails leave after the
commit. Failures raise AccountError with a message in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from flask import current_app, request
from sqlalchemy import delete, func, select, update

from pan_platform import mail
from pan_platform.access import can
from pan_platform.accounts import throttle, totp
from pan_platform.accounts.models import (
    INVITABLE_ROLES,
    NOTIFICATIONS,
    ROLES,
    TOKEN_LIFETIMES,
    TOKEN_SCOPES,
    ApiToken,
    Invitation,
    PasswordReset,
    RecoveryCode,
    User,
    hash_token,
    new_token,
    spend_a_password_check,
)
from pan_platform.accounts.passwords import password_problems
from pan_platform.api.models import FeedToken  # the API package builds on accounts, not the reverse
from pan_platform.audit.models import record
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, after_commit, operation
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow


class AccountError(OperationError):
    """A refused account action; str(error) is the translated message for the user."""


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    throttled: bool = False


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def client_address() -> str:
    return request.remote_addr or "unknown"


# --- sign-in ------------------------------------------------------------------------

def authenticate(email: str, password: str, address: str) -> SignInResult:
    """Check a password, counting failures per account and per address."""
    email = normalise_email(email)
    checks = [(throttle.ACCOUNT, email), (throttle.ADDRESS, address)]
    wait = throttle.blocked_for(checks)
    if wait:
        message = _(
            "Too many failed sign-in attempts. For your security, please wait %(minutes)d minutes "
            "and try again, or reset your password.",
            minutes=wait,
        )
        return SignInResult(None, message, throttled=True)
    user = find_user(email)
    if user is None:
        spend_a_password_check(password)
    if user is None or not user.check_password(password) or not user.is_active:
        throttle.note_failure(checks)
        return SignInResult(None, _("The e-mail address or password is not correct."))
    throttle.clear(throttle.ACCOUNT, email)
    return SignInResult(user)


def second_factor_checks(user: User) -> list[tuple[throttle.Limit, str]]:
    """What a wrong app or recovery code counts against."""
    return [(throttle.ACCOUNT, user.email), (throttle.SECOND_FACTOR, user.email)]


def check_second_factor(user: User, code: str) -> bool:
    step = totp.verify(user.totp_secret or "", code, user.totp_last_step)
    if step is None:
        throttle.note_failure(second_factor_checks(user))
        return False
    user.totp_last_step = step
    throttle.clear(throttle.SECOND_FACTOR, user.email)
    return True


# Failures in a row after which the wrong-code message names the device's clock too.
CLOCK_HINT_AFTER = 2


def wrong_code_message(failures: int) -> str:
    """A wrong TOTP code is nearly always a typo or an old code; the clock comes after that."""
    message = _("That code is not right. Check that you typed the 6 digits of the current code.")
    if failures >= CLOCK_HINT_AFTER:
        message += " " + _(
            "If it still fails, check that the time on your device is set automatically: "
            "the codes depend on it."
        )
    return message


@operation
def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code in place of a TOTP code; each works once.

    Failures count like wrong TOTP codes (the same throttle)."""
    clear = totp.normalise_recovery_code(code)
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    match = next((row for row in unused if clear and row.matches(clear)), None)
    # The update claims the code only if no concurrent sign-in spent it first.
    spent = match is not None and db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == match.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount == 1
    if not spent:
        throttle.note_failure(second_factor_checks(user))
        return False
    throttle.clear(throttle.SECOND_FACTOR, user.email)
    record("account.2fa_recovery_code_used", user, remaining=recovery_codes_left(user))
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the clear codes are returned once, never stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    db.session.add_all(RecoveryCode.issue(user, code) for code in codes)
    return codes


@operation
def note_sign_in(user: User) -> None:
    user.last_login_at = utcnow()
    record("account.sign_in", user)


@operation
def sign_out(user: User) -> None:
    """End every session of the user, not only this browser's: a session cookie copied
    before sign-out (a shared computer, a stolen cookie) must not outlive it."""
    user.end_all_sessions()
    record("account.sign_out", user)


@operation
def sign_out_everywhere(user: User) -> None:
    user.end_all_sessions()
    record("account.sign_out_everywhere", user)


# --- links in e-mails -------------------------------------------------------------------

def link_for(endpoint: str, locale: str | None, **values) -> str:
    """An absolute link for an e-mail, in the recipient's language (its URL prefix).

    It always starts from PAN_BASE_URL: the request's Host header is chosen by the client,
    and a link built from it would send a reset token to whatever host an attacker named."""
    base = urlsplit(current_app.config["PAN_BASE_URL"])
    script_name = f"{base.path.rstrip('/')}/{mail.recipient_locale(locale)}"
    adapter = current_app.url_map.bind(base.netloc, script_name=script_name, url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


# --- invitations --------------------------------------------------------------------------

@operation
def invite(actor: User | None, organisation: Organisation, email: str, role: str,
           name: str | None = None, locale: str | None = None, check: bool = True) -> Invitation:
    """Invite `email` to `organisation` with `role`. `check=False` only for the secretariat's
    approval of an application, which has checked `administer` itself."""
    if check and not can(actor, "manage_users", organisation):
        raise AccountError(_("You do not have permission to do this."))
    email = normalise_email(email)
    if role not in INVITABLE_ROLES:
        raise AccountError(_("Please choose one of the offered roles."))
    if find_user(email) is not None:
        raise AccountError(_("A user with this e-mail address already exists."))
    now = utcnow()
    for old in db.session.scalars(
        select(Invitation).where(Invitation.email == email, Invitation.used_at.is_(None),
                                 Invitation.revoked_at.is_(None))
    ):
        old.revoked_at = now  # one open invitation per address: the newest
    clear, digest = new_token()
    invitation = Invitation(
        email=email, organisation=organisation, role=role, name=name, locale=locale,
        token_hash=digest, invited_by=actor,
        expires_at=now + timedelta(days=current_app.config["PAN_INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    record("user.invite", actor, email=email, role=role, organisation_id=organisation.id)
    link = link_for("accounts.accept_invitation", locale, token=clear)
    days = current_app.config["PAN_INVITATION_DAYS"]
    after_commit(lambda: mail.send_template(
        email, "invitation", locale, invitation=invitation, organisation=organisation,
        role_label=ROLES[role], link=link, days=days,
    ))
    return invitation


def open_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token or "")))
    if invitation is None or not invitation.is_open or not invitation.organisation.active:
        return None
    return invitation


@operation
def accept_invitation(invitation: Invitation, name: str, password: str) -> User:
    if not invitation.is_open:
        raise AccountError(_("This invitation link has expired or was already used."))
    user = new_user(invitation.organisation, invitation.email, name, invitation.role, password,
                    locale=invitation.locale)
    invitation.used_at = utcnow()
    record("user.join", user, invitation_id=invitation.id, role=invitation.role)
    return user


@operation
def create_user(organisation: Organisation, email: str, name: str, role: str, password: str) -> User:
    """An account made by the operator (`pan create-user`), under the same rules as the web."""
    if role not in ROLES:
        raise AccountError(_("Please choose one of the offered roles."))
    user = new_user(organisation, email, name, role, password)
    record("user.create", user, role=role)
    return user


def new_user(organisation: Organisation, email: str, name: str, role: str, password: str,
             locale: str | None = None) -> User:
    """Add a user after the checks every way of joining shares: a free address and the
    password policy. The calling operation records the event."""
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError(_("A user with this e-mail address already exists."))
    problems = password_problems(password, email, name)
    if problems:
        raise AccountError(" ".join(problems))
    user = User(email=email, name=name.strip(), organisation=organisation, role=role, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    return list(db.session.scalars(
        select(Invitation).where(
            Invitation.organisation_id == organisation.id, Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow(),
        ).order_by(Invitation.created_at.desc())
    ))


@operation
def revoke_invitation(actor: User, invitation: Invitation) -> None:
    if not can(actor, "manage_users", invitation.organisation):
        raise AccountError(_("You do not have permission to do this."))
    invitation.revoked_at = utcnow()
    record("user.invite_revoke", actor, email=invitation.email)


# --- managing people -----------------------------------------------------------------------

@operation
def change_role(actor: User, target: User, role: str) -> None:
    if not can(actor, "manage_user", target):
        raise AccountError(_("You do not have permission to do this."))
    allowed = set(INVITABLE_ROLES)
    if can(actor, "administer") and target.organisation.kind == "secretariat":
        allowed.add("platform_admin")
    if role not in allowed:
        raise AccountError(_("Please choose one of the offered roles."))
    if target.id == actor.id:
        raise AccountError(_("You cannot change your own role; ask another administrator."))
    old, target.role = target.role, role
    target.end_all_sessions()  # permissions changed: sign in again
    record("user.role", actor, target_user_id=target.id, old=old, new=role)


@operation
def set_active(actor: User, target: User, active: bool) -> None:
    if not can(actor, "manage_user", target):
        raise AccountError(_("You do not have permission to do this."))
    if target.id == actor.id:
        raise AccountError(_("You cannot deactivate your own account; ask another administrator."))
    target.active = active
    if not active:
        target.end_all_sessions()
        revoke_all_tokens(target)  # reactivation must not bring old tokens back
    record("user.reactivate" if active else "user.deactivate", actor, target_user_id=target.id)


def members(organisation: Organisation) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.organisation_id == organisation.id).order_by(User.name, User.email)
    ))


# --- passwords -----------------------------------------------------------------------------

@operation
def request_password_reset(email: str, address: str) -> None:
    """E-mail a reset link when the account exists; the caller says the same either way."""
    checks = [(throttle.RESET, address)]
    if throttle.blocked_for(checks):
        return
    throttle.note_failure(checks)  # every request counts against the address
    user = find_user(email)
    if user is None or not user.is_active:
        return
    clear, digest = new_token()
    reset = PasswordReset(
        user=user, token_hash=digest,
        expires_at=utcnow() + timedelta(minutes=current_app.config["PAN_RESET_MINUTES"]),
    )
    db.session.add(reset)
    record("account.reset_request", user)
    link = link_for("accounts.reset_password", user.locale, token=clear)
    minutes = current_app.config["PAN_RESET_MINUTES"]
    after_commit(lambda: mail.send_template(
        user.email, "password_reset", user.locale, user=user, link=link, minutes=minutes,
    ))


def open_reset(token: str) -> PasswordReset | None:
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token or "")))
    if reset is None or not reset.is_open or not reset.user.is_active:
        return None
    return reset


@operation
def complete_reset(reset: PasswordReset, password: str) -> User:
    if not reset.is_open:
        raise AccountError(_("This link has expired or was already used."))
    user = reset.user
    _set_password(user, password)
    reset.used_at = utcnow()
    for other in db.session.scalars(
        select(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    ):
        other.used_at = reset.used_at  # every other pending link dies too
    throttle.clear(throttle.ACCOUNT, user.email)
    record("account.reset_done", user)
    return user


@operation
def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_("Your current password is not correct."))
    _set_password(user, new)
    record("account.password_change", user)


def _set_password(user: User, password: str) -> None:
    problems = password_problems(password, user.email, user.name)
    if problems:
        raise AccountError(" ".join(problems))
    user.set_password(password)
    user.end_all_sessions()  # a new password ends every other session
    revoke_all_tokens(user)  # and every token made with the old one
    if user.wants("account_security"):
        after_commit(lambda: mail.send_template(user.email, "password_changed", user.locale, user=user))


# --- profile, tokens, two-factor -----------------------------------------------------------------

@operation
def update_profile(user: User, name: str, locale: str | None, time_zone: str | None,
                   notifications: dict[str, bool]) -> None:
    if locale and locale not in current_app.config["PAN_LANGUAGES"]:
        raise AccountError(_("Please choose one of the offered languages."))
    if time_zone and time_zone not in available_timezones():
        raise AccountError(_("Please choose one of the offered time zones."))
    user.name = name.strip() or user.name
    user.locale = locale or None
    user.time_zone = time_zone or None
    user.notification_prefs = {key: bool(notifications.get(key)) for key in NOTIFICATIONS}


@operation
def create_api_token(user: User, name: str, scope: str = "read", days: int | None = None) -> str:
    """A new token that may `scope` ("read" or "write") and expires after `days` (None: never)."""
    if scope not in TOKEN_SCOPES:
        raise AccountError(_("Please choose what the token may do."))
    if days not in TOKEN_LIFETIMES:
        raise AccountError(_("Please choose one of the offered validity periods."))
    token, clear = ApiToken.issue(user, name.strip()[:100] or "token", scope=scope, days=days)
    db.session.add(token)
    record("account.token_create", user, token_name=token.name, scope=scope, days=days)
    return clear


@operation
def revoke_api_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:  # one's own tokens only
        raise AccountError(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("account.token_revoke", user, token_name=token.name)


def revoke_all_tokens(user: User) -> None:
    """Revoke the user's API tokens and private feed token; the caller commits."""
    now = utcnow()
    for model in (ApiToken, FeedToken):
        for token in db.session.scalars(
            select(model).where(model.user_id == user.id, model.revoked_at.is_(None))
        ):
            token.revoked_at = now


def api_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ))


@operation
def pending_totp_secret(user: User) -> str:
    """The secret offered for set-up: the same one on every visit until a code confirms it."""
    if not user.totp_pending_secret:
        user.totp_pending_secret = totp.new_secret()
    return user.totp_pending_secret


@operation
def enable_totp(user: User, code: str, failures: int = 0) -> list[str]:
    """Turn two-factor on with the pending secret; returns the new recovery codes (shown once).

    `failures`: wrong codes already typed on this set-up, for the message."""
    secret = user.totp_pending_secret or ""
    step = totp.verify(secret, code)
    if step is None:
        raise AccountError(wrong_code_message(failures + 1))
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    record("account.2fa_enable", user)
    return codes


@operation
def regenerate_recovery_codes(user: User, password_or_code: str) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed by the password or a current code."""
    step = totp.verify(user.totp_secret or "", password_or_code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
    elif not user.check_password(password_or_code):
        raise AccountError(_("Neither your password nor a current code from your app: please try again."))
    codes = _new_recovery_codes(user)
    record("account.2fa_recovery_regenerate", user)
    return codes


@operation
def disable_totp(user: User, password: str) -> None:
    if user.is_platform_admin:
        raise AccountError(_("Platform administrators must keep two-factor authentication."))
    if not user.check_password(password):
        raise AccountError(_("Your current password is not correct."))
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("account.2fa_disable", user)
