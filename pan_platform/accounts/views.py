"""Sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from pan_platform.accounts.auth import find_user_by_email, safe_next
from pan_platform.accounts.forms import LoginForm
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.util import utcnow

bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    target = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            flash(_("The e-mail address or password is not correct."), "error")
        else:
            session.clear()  # a new session on sign-in: no fixation
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(target)
    return render_template("accounts/login.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.home"))
