"""Confirm before harm: a harmful POST without confirm=1 changes nothing and answers with a
page that says what will happen and posts the same form again with confirm=1.

It works without JavaScript; with it, static/js/pan.js may ask with the browser's own dialog
(a form or button with data-confirm) and send confirm=1 at once. Some actions also ask for a
reason, which the page collects (and which the action records and passes on).
"""

from __future__ import annotations

from flask import render_template, request, url_for

from pan_platform.i18n import _

MAX_REASON = 2000
# Not carried over to the confirmation page's form: it sets them itself.
_OWN_FIELDS = frozenset({"confirm", "csrf_token", "reason"})


def confirmed() -> bool:
    return request.form.get("confirm") == "1"


def given_reason() -> str:
    return request.form.get("reason", "").strip()


def reason_error() -> str | None:
    """Why the reason typed on the confirmation page cannot be taken, if it cannot."""
    reason = given_reason()
    if not reason:
        return _("Please give a reason.")
    if len(reason) > MAX_REASON:
        return _("Please keep the reason under %(max)d characters.", max=MAX_REASON)
    return None


def _back_url(fallback: str) -> str:
    """Where "Cancel" leads: the page the form was on, when it is one of ours."""
    referrer = request.referrer or ""
    return referrer if referrer.startswith(request.host_url) else fallback


def confirmation_page(heading: str, consequence: str, button: str, *, fallback: str | None = None,
                      reason_label: str | None = None, error: str | None = None):
    """The page that asks; 200 the first time, 422 when the reason given was refused."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in _OWN_FIELDS]
    page = render_template(
        "confirm.html", heading=heading, consequence=consequence, button=button, fields=fields,
        reason_label=reason_label, reason=given_reason(), error=error, max_reason=MAX_REASON,
        back=_back_url(fallback or url_for("main.home")),
    )
    return page, 422 if error else 200


def deactivation_page(target, fallback: str):
    """Asked by both places that deactivate a user (the people page and the console)."""
    return confirmation_page(
        _("Deactivate %(name)s?", name=target.name),
        _("%(name)s (%(email)s) is signed out everywhere and can no longer sign in; their API tokens "
          "stop working. Their work stays. You can reactivate the account later.",
          name=target.name, email=target.email),
        _("Deactivate the account"),
        fallback=fallback,
    )
