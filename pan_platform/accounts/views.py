"""Sign-in and sign-out, password reset, invitations, profile, two-factor, organisation people."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_babel
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import select

from pan_platform.access import can
from pan_platform.accounts import operations as ops
from pan_platform.accounts import throttle, totp
from pan_platform.accounts.auth import load_user, safe_next
from pan_platform.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    EmptyForm,
    EnableTotpForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    PasswordConfirmForm,
    ProfileForm,
    RecoveryCodeForm,
    RegenerateCodesForm,
    ResetRequestForm,
    RoleForm,
    SecondFactorForm,
    TokenForm,
)
from pan_platform.accounts.models import INVITABLE_ROLES, NOTIFICATIONS, ROLES, TOKEN_SCOPES, Invitation, User
from pan_platform.extensions import db
from pan_platform.i18n import _, time_zone_choices
from pan_platform.operations import OperationError, flash_error
from pan_platform.organisations.models import Organisation
from pan_platform.web import confirm
from pan_platform.web.templating import LANGUAGE_NAMES

bp = Blueprint("accounts", __name__, template_folder="templates")

PENDING_2FA = "pan_pending_2fa"
PENDING_2FA_SECONDS = 300


def _user_time_zone() -> str | None:
    """Dates and times are shown in the signed-in user's time zone (profile), else UTC."""
    if not has_request_context():
        return None
    return getattr(current_user, "time_zone", None) or None


@bp.record_once
def _use_the_users_time_zone(state) -> None:
    get_babel(state.app).timezone_selector = _user_time_zone


# --- sign-in -----------------------------------------------------------------------------

def start_page(user: User) -> str:
    """Where a person lands after signing in: the page of their own work, not the public home.
    The console for the secretariat; for everyone else their start page (alerts/start.py):
    their drafts and what waits for them (the workspace's summary, for those who edit),
    their collections, saved searches and what is new in their areas."""
    if user.is_platform_admin:
        return url_for("admin.index")
    return url_for("alerts.start_page")


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    # "" when no (safe) next page was asked for: the start page is chosen once the user is known.
    target = safe_next(request.args.get("next"), "")
    if current_user.is_authenticated:
        return redirect(target or start_page(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = ops.authenticate(form.email.data, form.password.data, ops.client_address())
        if result.user is None:
            flash(result.error, "error")
            status = 429 if result.throttled else 200
        elif result.user.has_totp:
            session.clear()
            session[PENDING_2FA] = {
                "id": result.user.get_id(), "remember": bool(form.remember.data),
                "next": target, "at": int(time.time()),
            }
            return redirect(url_for("accounts.second_factor"))
        else:
            return _complete_sign_in(result.user, bool(form.remember.data), target)
    return render_template("accounts/login.html", form=form), status


def _complete_sign_in(user: User, remember: bool, target: str):
    session.clear()  # a new session on sign-in: nothing carried over from before
    login_user(user, remember=remember)
    ops.note_sign_in(user)
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    if user.is_platform_admin and not user.has_totp:
        flash(_("Platform administrators must set up two-factor authentication before using the console."), "info")
        return redirect(url_for("accounts.two_factor"))
    return redirect(target or start_page(user))


def _pending_sign_in():
    """(pending, user) of a sign-in waiting for its second factor, or None when there is none."""
    pending = session.get(PENDING_2FA)
    if not pending or time.time() - pending.get("at", 0) > PENDING_2FA_SECONDS:
        session.pop(PENDING_2FA, None)
        flash(_("Please sign in again."), "info")
        return None
    user = load_user(pending["id"])
    if user is None or not user.has_totp:
        session.pop(PENDING_2FA, None)
        return None
    return pending, user


def _second_factor_step(template: str, form, check, wrong_message):
    """The code page and the recovery-code page: the same throttle, the same ending.

    `check(user, code)` says whether the code is right; `wrong_message(failures)` what to say if not."""
    found = _pending_sign_in()
    if found is None:
        return redirect(url_for("accounts.login"))
    pending, user = found
    status = 200
    if form.validate_on_submit():
        wait = throttle.blocked_for(ops.second_factor_checks(user))
        if wait:
            flash(_("Too many failed attempts. Please wait %(minutes)d minutes and try again.", minutes=wait), "error")
            status = 429
        elif check(user, form.code.data):
            return _complete_sign_in(user, pending.get("remember", False), safe_next(pending.get("next"), ""))
        else:
            status = 400
            flash(wrong_message(throttle.failures(throttle.SECOND_FACTOR, user.email)), "error")
    return render_template(template, form=form), status


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor():
    return _second_factor_step(
        "accounts/second_factor.html", SecondFactorForm(), ops.check_second_factor, ops.wrong_code_message
    )


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def recovery_code_sign_in():
    """Sign-in with a one-time recovery code when the authenticator app is not at hand."""
    return _second_factor_step(
        "accounts/recovery_sign_in.html", RecoveryCodeForm(), ops.use_recovery_code,
        lambda _failures: _("That recovery code is not right, or it was already used."),
    )


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout():
    ops.sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/sign-out-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    ops.sign_out_everywhere(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out on every device."), "success")
    return redirect(url_for("main.home"))


# --- password reset ------------------------------------------------------------------------

@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        ops.request_password_reset(form.email.data, ops.client_address())
        # The same answer whether or not the address has an account: no account discovery.
        flash(_("If an account exists for this address, we have sent it a link to choose a new password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = ops.open_reset(token)
    if reset is None:
        return render_template("accounts/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            ops.complete_reset(reset, form.password.data)
        except OperationError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Your password has been changed. Please sign in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


# --- invitations ----------------------------------------------------------------------------

@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = ops.open_invitation(token)
    if invitation is None:
        return render_template("accounts/link_invalid.html"), 404
    if current_user.is_authenticated:
        logout_user()
        session.clear()
    form = AcceptInvitationForm()
    if request.method == "GET" and invitation.name:
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            user = ops.accept_invitation(invitation, form.name.data, form.password.data)
        except OperationError as error:
            form.password.errors.append(str(error))
        else:
            return _complete_sign_in(user, False, url_for("main.home"))
    return render_template("accounts/accept.html", form=form, invitation=invitation, role_label=ROLES[invitation.role])


# --- profile ---------------------------------------------------------------------------------

def _profile_form(user: User) -> ProfileForm:
    form = ProfileForm(obj=None if request.method == "POST" else user)
    form.locale.choices = [("", _("Automatic (from the browser)"))] + [
        (code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["PAN_LANGUAGES"]
    ]
    form.time_zone.choices = {None: [("", "UTC")], **time_zone_choices(user.time_zone)}
    if request.method == "GET":
        form.locale.data = user.locale or ""
        form.time_zone.data = user.time_zone or ""
    return form


def _render_profile(user: User, form=None, new_token: str | None = None, status: int = 200):
    return render_template(
        "accounts/profile.html", form=form or _profile_form(user), password_form=ChangePasswordForm(),
        token_form=TokenForm(), empty_form=EmptyForm(), tokens=ops.api_tokens(user),
        notifications=NOTIFICATIONS, new_token=new_token, token_scopes=TOKEN_SCOPES,
        recovery_codes_left=ops.recovery_codes_left(user),
    ), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = _profile_form(user)
    if form.validate_on_submit():
        chosen = {key: request.form.get(f"notify_{key}") == "on" for key in NOTIFICATIONS}
        try:
            ops.update_profile(user, form.name.data, form.locale.data, form.time_zone.data, chosen)
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(user, form)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ops.change_password(user, form.current.data, form.password.data)
        except OperationError as error:
            flash_error(error)
        else:
            login_user(user)  # other sessions end; this one continues with the new version
            flash(_("Your password has been changed. Your other sessions have been signed out."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    user = current_user._get_current_object()
    form = TokenForm()
    if not form.validate_on_submit():
        if form.name.errors:
            flash(_("Please give the token a name."), "error")
        else:
            flash(_("Please choose what the token may do and how long it stays valid."), "error")
        return redirect(url_for("accounts.profile"))
    try:
        clear = ops.create_api_token(user, form.name.data, form.scope.data, form.days.data)
    except OperationError as error:
        flash_error(error)
        return redirect(url_for("accounts.profile"))
    # Shown in this response only; never stored in clear and never put in the session.
    return _render_profile(user, new_token=clear)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    if EmptyForm().validate_on_submit():
        try:
            ops.revoke_api_token(current_user._get_current_object(), token_id)
        except OperationError:
            abort(404)
        flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.profile"))


SETUP_FAILURES = "pan_totp_setup_failures"


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    user = current_user._get_current_object()
    if user.has_totp:
        return render_template(
            "accounts/two_factor.html", enabled=True, disable_form=PasswordConfirmForm(),
            regenerate_form=RegenerateCodesForm(), codes_left=ops.recovery_codes_left(user),
        )
    form = EnableTotpForm()
    secret = ops.pending_totp_secret(user)
    status = 200
    if form.validate_on_submit():
        try:
            codes = ops.enable_totp(user, form.code.data, session.get(SETUP_FAILURES, 0))
        except OperationError as error:
            session[SETUP_FAILURES] = session.get(SETUP_FAILURES, 0) + 1
            form.code.errors.append(str(error))
            status = 400
        else:
            session.pop(SETUP_FAILURES, None)
            flash(_("Two-factor authentication is on."), "success")
            # Shown in this response only; never stored in clear and never put in the session.
            return render_template("accounts/recovery_codes.html", codes=codes)
    uri = totp.provisioning_uri(secret, user.email)
    return render_template(
        "accounts/two_factor.html", enabled=False, form=form, secret=secret, uri=uri,
        qr_svg=Markup(totp.qr_svg(uri)),  # made here by segno from our own URI: safe markup
    ), status


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def regenerate_recovery_codes():
    user = current_user._get_current_object()
    form = RegenerateCodesForm()
    if not user.has_totp:
        return redirect(url_for("accounts.two_factor"))
    if form.validate_on_submit():
        try:
            codes = ops.regenerate_recovery_codes(user, form.password_or_code.data)
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("New recovery codes are ready; the old ones no longer work."), "success")
            return render_template("accounts/recovery_codes.html", codes=codes)
    else:
        flash(_("Please enter your password or a current code."), "error")
    return redirect(url_for("accounts.two_factor"))


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def disable_two_factor():
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            ops.disable_totp(current_user._get_current_object(), form.password.data)
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("Two-factor authentication is off."), "success")
    return redirect(url_for("accounts.two_factor"))


# --- an organisation's people -------------------------------------------------------------------

def _managed_organisation(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or not can(current_user, "manage_users", organisation):
        abort(404)
    return organisation


def _member(organisation: Organisation, user_id: int) -> User:
    target = db.session.get(User, user_id)
    if target is None or target.organisation_id != organisation.id or not can(current_user, "manage_user", target):
        abort(404)
    return target


def _role_choices() -> list[tuple[str, str]]:
    return [(role, str(ROLES[role])) for role in INVITABLE_ROLES]


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = _role_choices()
    form.locale.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["PAN_LANGUAGES"]]
    return form


@bp.route("/organisations/<slug>/people")
@login_required
def people(slug: str):
    organisation = _managed_organisation(slug)
    form = _invite_form()
    form.locale.data = str(request.environ.get("pan.url_lang") or current_user.locale or form.locale.choices[0][0])
    return _render_people(organisation, form)


def _render_people(organisation: Organisation, form: InviteForm, status: int = 200):
    role_form = RoleForm()
    role_form.role.choices = _role_choices()
    return render_template(
        "accounts/people.html", organisation=organisation, members=ops.members(organisation),
        invitations=ops.pending_invitations(organisation), form=form, role_form=role_form,
        empty_form=EmptyForm(), roles=ROLES,
    ), status


@bp.route("/organisations/<slug>/people/invite", methods=["POST"])
@login_required
def invite(slug: str):
    organisation = _managed_organisation(slug)
    form = _invite_form()
    if form.validate_on_submit():
        try:
            ops.invite(current_user._get_current_object(), organisation, form.email.data, form.role.data,
                       name=form.name.data or None, locale=form.locale.data)
        except OperationError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            flash(_("The invitation has been sent to %(email)s.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("accounts.people", slug=slug))
    return _render_people(organisation, form, 400)


@bp.route("/organisations/<slug>/people/<int:user_id>/role", methods=["POST"])
@login_required
def change_role(slug: str, user_id: int):
    organisation = _managed_organisation(slug)
    target = _member(organisation, user_id)
    form = RoleForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        try:
            ops.change_role(current_user._get_current_object(), target, form.role.data)
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("The role of %(name)s has been changed.", name=target.name), "success")
    else:
        flash(_("Please choose one of the offered roles."), "error")
    return redirect(url_for("accounts.people", slug=slug))


@bp.route("/organisations/<slug>/people/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
@login_required
def set_active(slug: str, user_id: int, action: str):
    organisation = _managed_organisation(slug)
    target = _member(organisation, user_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("accounts.people", slug=slug))
    if action == "deactivate" and not confirm.confirmed():
        return confirm.deactivation_page(target, url_for("accounts.people", slug=slug))
    try:
        ops.set_active(current_user._get_current_object(), target, action == "reactivate")
    except OperationError as error:
        flash_error(error)
    else:
        if action == "reactivate":
            flash(_("%(name)s can sign in again.", name=target.name), "success")
        else:
            flash(_("%(name)s can no longer sign in.", name=target.name), "success")
    return redirect(url_for("accounts.people", slug=slug))


@bp.route("/organisations/<slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@login_required
def revoke_invitation(slug: str, invitation_id: int):
    organisation = _managed_organisation(slug)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        ops.revoke_invitation(current_user._get_current_object(), invitation)
        flash(_("The invitation has been withdrawn."), "success")
    return redirect(url_for("accounts.people", slug=slug))
