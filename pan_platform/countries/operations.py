"""Country profiles: save a draft, submit it, publish it or send it back. Each public
function is one unit of work (`@operation`); a refused one changes nothing.

State changes of a version are conditional UPDATEs on the state read here, so two
reviewers deciding at once (or a writer submitting while a reviewer decides) cannot both
succeed: the second is told someone else was faster.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from pan_platform.access import can
from pan_platform.audit.models import record
from pan_platform.catalogue.vocabularies import CONTENT_LANGUAGES
from pan_platform.countries.models import EDITABLE_STATES, OPEN_STATES, CountryProfileVersion
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, operation
from pan_platform.organisations.models import Country
from pan_platform.util import utcnow

MAX_DESCRIPTION = 10_000
MAX_CONTACTS = 2_000
MAX_COMMENT = 2_000


class CountryError(OperationError):
    """A refused or invalid profile action; str(error) is for the user."""


def _require(user, action: str, country: Country) -> None:
    if not can(user, action, country):
        raise CountryError(_("You do not have permission to do this."))


def open_version(country: Country) -> CountryProfileVersion | None:
    return db.session.scalar(
        select(CountryProfileVersion).where(
            CountryProfileVersion.country_code == country.code, CountryProfileVersion.state.in_(OPEN_STATES)
        ).order_by(CountryProfileVersion.number.desc()).limit(1)
    )


def published_version(country: Country) -> CountryProfileVersion | None:
    return db.session.scalar(
        select(CountryProfileVersion).where(
            CountryProfileVersion.country_code == country.code, CountryProfileVersion.state == "published"
        ).order_by(CountryProfileVersion.number.desc()).limit(1)
    )


def check_values(values: dict, interface_languages) -> dict:
    """Validate the fields of a profile: descriptions per interface language, the original
    language (which must have a text), languages and contact points."""
    errors: dict[str, str] = {}
    texts = {}
    for code in interface_languages:
        text = (values.get("descriptions", {}).get(code) or "").strip()
        if len(text) > MAX_DESCRIPTION:
            errors[f"description_{code}"] = _("Please keep the description under %(num)d characters.", num=MAX_DESCRIPTION)
        elif text:
            texts[code] = text
    original = values.get("language") or ""
    if original not in interface_languages:
        errors["language"] = _("Please choose the language the description was written in.")
    elif original not in texts:
        errors["language"] = _("Please write the description in the language you chose as its original.")
    languages = values.get("languages") or []
    if set(languages) - set(CONTENT_LANGUAGES):
        errors["languages"] = _("Please choose languages from the list.")
    contacts = (values.get("contacts") or "").strip()
    if len(contacts) > MAX_CONTACTS:
        errors["contacts"] = _("Please keep the contact points under %(num)d characters.", num=MAX_CONTACTS)
    if errors:
        raise CountryError(errors=errors)
    return {
        "language": original,
        "descriptions": texts,
        "languages": list(dict.fromkeys(languages)),
        "contacts": contacts or None,
    }


@operation
def save_draft(user, country: Country, values: dict, interface_languages) -> CountryProfileVersion:
    """Write the open version: the draft or the version sent back (which becomes a draft
    again), or a new draft. A version waiting for review is not changed."""
    _require(user, "edit_profile", country)
    checked = check_values(values, interface_languages)
    version = open_version(country)
    if version is not None and version.state not in EDITABLE_STATES:
        raise CountryError(_("The profile is waiting for the secretariat's review and cannot be changed now."))
    if version is None:
        number = (db.session.scalar(
            select(func.max(CountryProfileVersion.number)).where(CountryProfileVersion.country_code == country.code)
        ) or 0) + 1
        version = CountryProfileVersion(country_code=country.code, number=number, created_by_id=user.id)
        db.session.add(version)
    for name, value in checked.items():
        setattr(version, name, value)
    version.state = "draft"
    try:
        db.session.flush()
    except IntegrityError as error:  # another draft was started at the same moment
        raise CountryError(_("Someone else changed the profile at the same time. Please try again.")) from error
    record("countries.profile_saved", user, country=country.code, version=version.number)
    return version


def _move(version_id: int, before: tuple[str, ...], **values) -> None:
    changed = db.session.execute(
        update(CountryProfileVersion)
        .where(CountryProfileVersion.id == version_id, CountryProfileVersion.state.in_(before))
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise CountryError(_("Someone else changed the profile at the same time. Please try again."))


@operation
def submit(user, country: Country) -> CountryProfileVersion:
    _require(user, "submit_profile", country)
    version = open_version(country)
    if version is None or version.state not in EDITABLE_STATES:
        raise CountryError(_("There is no draft to submit."))
    _move(version.id, EDITABLE_STATES, state="submitted", submitted_at=utcnow(), submitted_by_id=user.id)
    db.session.expire(version)
    record("countries.profile_submitted", user, country=country.code, version=version.number)
    return version


def _submitted(country: Country) -> CountryProfileVersion:
    version = open_version(country)
    if version is None or version.state != "submitted":
        raise CountryError(_("No version of this profile is waiting for review."))
    return version


@operation
def publish(user, country: Country) -> CountryProfileVersion:
    """The submitted version replaces the published one, which stays in the history."""
    _require(user, "review_profile", country)
    version = _submitted(country)
    _move(version.id, ("submitted",), state="published", decided_at=utcnow(), decided_by_id=user.id)
    db.session.execute(
        update(CountryProfileVersion)
        .where(CountryProfileVersion.country_code == country.code, CountryProfileVersion.state == "published",
               CountryProfileVersion.id != version.id)
        .values(state="superseded")
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    record("countries.profile_published", user, country=country.code, version=version.number)
    return version


@operation
def send_back(user, country: Country, comment: str) -> CountryProfileVersion:
    """Return the submitted version to its writers with a comment; the published text stays."""
    _require(user, "review_profile", country)
    comment = (comment or "").strip()
    if not comment or len(comment) > MAX_COMMENT:
        raise CountryError(errors={"comment": _("Please say what should change (at most %(num)d characters).", num=MAX_COMMENT)})
    version = _submitted(country)
    _move(version.id, ("submitted",), state="returned", decided_at=utcnow(), decided_by_id=user.id,
          review_comment=comment)
    db.session.expire(version)
    record("countries.profile_returned", user, country=country.code, version=version.number)
    return version
