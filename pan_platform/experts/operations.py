"""Expert profiles (create with consent, edit, export, delete, confirm) and messages relayed
through the platform (to an expert, to an item's owner academy, replies). Each public
function is one unit of work (`@operation`); e-mails leave after the commit."""

from __future__ import annotations

import base64
import io
import logging
import warnings

from flask import current_app
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select, update

from pan_platform import mail
from pan_platform.access import EXPERT_VISIBILITIES, can
from pan_platform.accounts.models import User
from pan_platform.accounts.operations import link_for
from pan_platform.api.limits import limiter
from pan_platform.audit.models import record
from pan_platform.catalogue.vocabularies import CONTENT_LANGUAGES, PRIORITY_AREAS
from pan_platform.experts.models import AVAILABILITY, ContactMessage, ExpertProfile, ExpertShare
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, after_commit, operation
from pan_platform.organisations.models import Country, Organisation
from pan_platform.thesaurus import lookup
from pan_platform.util import utcnow

log = logging.getLogger(__name__)

PHOTO_SIDE = 400  # pixels: the longest side of a stored photo
PHOTO_MAX_PIXELS = 40_000_000  # larger images are refused before they are decoded
EDITING_ROLES = ("editor", "org_admin")
TEXT_LIMITS = {"headline": 300, "bio": 5000, "training": 5000}


class ExpertError(OperationError):
    """A refused or invalid action on a profile or a message; str(error) is for the user."""


class TooManyMessages(ExpertError):
    status = 429


def _require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise ExpertError(_("You do not have permission to do this."))


def _codes(values, allowed) -> list[str]:
    return sorted({str(v) for v in values or []} & set(allowed))


def _check(values: dict) -> dict:
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name or len(name) > 200:
        errors["name"] = _("Please enter your name.")
    texts = {key: (values.get(key) or "").strip() for key in TEXT_LIMITS}
    for key, limit in TEXT_LIMITS.items():
        if len(texts[key]) > limit:
            errors[key] = _("Please keep this text under %(max)d characters.", max=limit)
    language = values.get("language") or "en"
    if language not in CONTENT_LANGUAGES:
        errors["language"] = _("Please choose a language from the list.")
    country = values.get("country_code") or None
    if country is not None and db.session.get(Country, country) is None:
        errors["country_code"] = _("Please choose a country from the list.")
    for key, allowed in (("areas", PRIORITY_AREAS), ("languages_spoken", CONTENT_LANGUAGES),
                         ("languages_taught", CONTENT_LANGUAGES), ("availability", AVAILABILITY),
                         ("topics", lookup.current().entries)):
        if set(values.get(key) or []) - set(allowed):
            errors[key] = _("Please choose from the list.")
    if values.get("visibility") not in EXPERT_VISIBILITIES or values.get("partner_scope", "named") not in ("named", "all"):
        errors["visibility"] = _("Please choose who may see the profile.")
    translation = values.get("translation") or {}
    target = translation.get("language") or ""
    if target and (target not in CONTENT_LANGUAGES or target == language):
        errors["translation_language"] = _("Please choose a language from the list.")
    for key, limit in TEXT_LIMITS.items():
        if len((translation.get(key) or "").strip()) > limit:
            errors[f"translation_{key}"] = _("Please keep this text under %(max)d characters.", max=limit)
    if errors:
        raise ExpertError(errors=errors)
    return {
        "name": name, **{key: text or None for key, text in texts.items()}, "language": language,
        "country_code": country,
        "areas": [code for code in PRIORITY_AREAS if code in set(values.get("areas") or [])],
        "topics": sorted(set(values.get("topics") or [])),
        "languages_spoken": _codes(values.get("languages_spoken"), CONTENT_LANGUAGES),
        "languages_taught": _codes(values.get("languages_taught"), CONTENT_LANGUAGES),
        "availability": [code for code in AVAILABILITY if code in set(values.get("availability") or [])],
        "visibility": values["visibility"], "partner_scope": values.get("partner_scope", "named"),
    }


def sanitise_photo(data: bytes) -> str:
    """The picture re-encoded as a small JPEG (base64): nothing of the upload but its pixels
    is kept (no metadata, no trailing bytes). Anything else gets a message for the user."""
    limit = int(current_app.config["PAN_EXPERT_PHOTO_MAX_MB"] * 1024 * 1024)
    if len(data) > limit:
        raise ExpertError(errors={"photo": _("The photo is too large (at most %(mb)s MB).",
                                             mb=f'{current_app.config["PAN_EXPERT_PHOTO_MAX_MB"]:g}')})
    refused = ExpertError(errors={"photo": _("The photo must be a JPEG, PNG, GIF or WebP image.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("JPEG", "MPO", "PNG", "GIF", "WEBP"):  # MPO: JPEG from phone cameras
                    raise refused
                width, height = image.size
                if width * height > PHOTO_MAX_PIXELS or not width or not height:
                    raise refused
                image.load()
                picture = image.convert("RGB")
    except ExpertError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, SyntaxError) as error:
        raise refused from error
    picture.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def photo_bytes(profile: ExpertProfile) -> bytes | None:
    return base64.b64decode(profile.photo) if profile.photo else None


def _set_translations(profile: ExpertProfile, values: dict) -> None:
    """Remove the translations asked for, then add or replace the one given (empty texts: none)."""
    translations = {lang: dict(texts) for lang, texts in (profile.translations or {}).items()
                    if lang not in set(values.get("remove_translations") or [])}
    given = values.get("translation") or {}
    texts = {key: (given.get(key) or "").strip() for key in TEXT_LIMITS}
    if given.get("language") and any(texts.values()):
        translations[given["language"]] = {key: text for key, text in texts.items() if text}
    translations.pop(profile.language, None)
    profile.translations = translations


def _set_shares(profile: ExpertProfile, organisation_ids) -> None:
    wanted = {int(i) for i in organisation_ids or []}
    partners = set(db.session.scalars(
        select(Organisation.id).where(Organisation.id.in_(wanted), Organisation.kind == "partner")
    ))
    profile.shares = [s for s in profile.shares if s.organisation_id in partners]
    have = {s.organisation_id for s in profile.shares}
    profile.shares.extend(ExpertShare(organisation_id=i) for i in sorted(partners - have))


def own_profile(user) -> ExpertProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))


@operation
def create_profile(user, values: dict, consent: bool, photo: bytes | None = None) -> ExpertProfile:
    """The person's own profile; it exists only once they agree to be listed (recorded with the date)."""
    _require(user, "create_expert_profile", user.organisation)
    if not consent:
        raise ExpertError(errors={"consent": _("Please confirm that you agree to be listed in the directory.")})
    if own_profile(user) is not None:
        raise ExpertError(_("You already have an expert profile."))
    checked = _check(values)
    profile = ExpertProfile(user_id=user.id, organisation_id=user.organisation_id, consent_at=utcnow(), **checked)
    if photo:
        profile.photo = sanitise_photo(photo)
    _set_translations(profile, values)
    _set_shares(profile, values.get("shared_with"))
    db.session.add(profile)
    db.session.flush()
    record("experts.created", user, profile_id=profile.id)
    return profile


@operation
def update_profile(user, profile: ExpertProfile, values: dict, photo: bytes | None = None,
                   remove_photo: bool = False) -> ExpertProfile:
    _require(user, "edit", profile)
    checked = _check(values)
    for name, value in checked.items():
        setattr(profile, name, value)
    if photo:
        profile.photo = sanitise_photo(photo)
    elif remove_photo:
        profile.photo = None
    _set_translations(profile, values)
    _set_shares(profile, values.get("shared_with"))
    record("experts.updated", user, profile_id=profile.id)
    return profile


@operation
def delete_profile(user, profile: ExpertProfile) -> None:
    """Gone at once from every page, listing, search block and API answer (they read the table)."""
    _require(user, "delete", profile)
    profile_id = profile.id
    # Messages stay with the people who exchanged them; they no longer point at the profile.
    db.session.execute(update(ContactMessage).where(ContactMessage.profile_id == profile_id)
                       .values(profile_id=None).execution_options(synchronize_session=False))
    db.session.delete(profile)
    record("experts.deleted", user, profile_id=profile_id)


def export_profile(user, profile: ExpertProfile) -> dict:
    """Everything the platform holds on the profile, for its owner."""
    if not can(user, "export", profile):
        raise ExpertError(_("You do not have permission to do this."))
    return {
        "id": profile.id, "name": profile.name, "organisation": profile.organisation.name,
        "country": profile.country_code, "headline": profile.headline, "bio": profile.bio,
        "training": profile.training, "language": profile.language, "translations": profile.translations or {},
        "priority_areas": profile.areas, "topics": profile.topics, "languages_spoken": profile.languages_spoken,
        "languages_taught": profile.languages_taught, "availability": profile.availability,
        "credited_item_ids": profile.credited_item_ids or [],
        "visibility": profile.visibility, "partner_scope": profile.partner_scope,
        "shared_with": [db.session.get(Organisation, i).slug for i in profile.shared_with],
        "photo_jpeg_base64": profile.photo,
        "consent_at": profile.consent_at.isoformat(), "created_at": profile.created_at.isoformat(),
        "updated_at": profile.updated_at.isoformat(),
        "confirmed_at": profile.confirmed_at.isoformat() if profile.confirmed_at else None,
        "confirmed_by": _name_of(profile.confirmed_by_id),
    }


def _name_of(user_id: int | None) -> str | None:
    user = db.session.get(User, user_id) if user_id else None
    return user.name if user else None


@operation
def set_confirmed(user, profile: ExpertProfile, confirmed: bool) -> None:
    _require(user, "confirm", profile)
    profile.confirmed_at = utcnow() if confirmed else None
    profile.confirmed_by_id = user.id if confirmed else None
    record("experts.confirmed" if confirmed else "experts.unconfirmed", user, profile_id=profile.id)


# -- messages -----------------------------------------------------------------------------

def _message_text(subject: str, body: str) -> tuple[str, str]:
    subject, body = (subject or "").strip(), (body or "").strip()
    errors = {}
    if not subject or len(subject) > 200:
        errors["subject"] = _("Please enter a subject (at most 200 characters).")
    if not body or len(body) > 5000:
        errors["body"] = _("Please write a message (at most 5,000 characters).")
    if errors:
        raise ExpertError(errors=errors)
    return subject, body


def _count_message(sender) -> None:
    """One message more for the sender in this window (the API's counter store)."""
    config = current_app.config
    allowed, _remaining, _reset = limiter().hit(
        f"contact:{sender.id}", int(config["PAN_CONTACT_RATE_LIMIT"]), int(config["PAN_CONTACT_RATE_WINDOW"])
    )
    if not allowed:
        raise TooManyMessages(_("You have sent many messages in a short time. Please try again later."))


def _relay(message: ContactMessage, template: str) -> None:
    """E-mail the recipient in their language, after the commit; a mail failure is logged."""
    recipient = message.recipient
    link = link_for("experts.message", recipient.locale, message_id=message.id)

    def send() -> None:
        try:
            mail.send_template(recipient.email, template, recipient.locale, message=message,
                               recipient=recipient, link=link)
        except Exception:
            log.exception("could not relay message %s", message.id)

    after_commit(send)


def _deliver(sender, recipients: list[User], subject: str, body: str, **about) -> list[ContactMessage]:
    messages = []
    for recipient in recipients:
        message = ContactMessage(sender_id=sender.id, recipient_id=recipient.id, subject=subject, body=body, **about)
        db.session.add(message)
        messages.append(message)
    db.session.flush()
    for message in messages:
        _relay(message, "contact_message")
    return messages


@operation
def contact_expert(sender, profile: ExpertProfile, subject: str, body: str) -> ContactMessage:
    _require(sender, "contact", profile)
    subject, body = _message_text(subject, body)
    recipient = profile.user
    if not recipient.active:
        raise ExpertError(_("This person cannot receive messages at the moment."))
    _count_message(sender)
    (message,) = _deliver(sender, [recipient], subject, body, profile_id=profile.id)
    record("experts.contacted", sender, profile_id=profile.id, message_id=message.id)
    return message


def owner_recipients(item) -> list[User]:
    """The active editors and administrators of the item's owner academy."""
    return list(db.session.scalars(
        select(User).where(User.organisation_id == item.owner_id, User.active.is_(True),
                           User.role.in_(EDITING_ROLES)).order_by(User.id)
    ))


@operation
def contact_owner(sender, item, subject: str, body: str) -> list[ContactMessage]:
    _require(sender, "contact_owner", item)
    subject, body = _message_text(subject, body)
    recipients = [user for user in owner_recipients(item) if user.id != sender.id]
    if not recipients:
        raise ExpertError(_("Nobody at this academy can receive messages at the moment."))
    _count_message(sender)
    messages = _deliver(sender, recipients, subject, body, item_id=item.id)
    record("experts.owner_contacted", sender, item, messages=[m.id for m in messages])
    return messages


@operation
def reply(user, message: ContactMessage, body: str) -> ContactMessage:
    """The recipient answers: the answer goes to the sender, and each now sees the other's address."""
    _require(user, "reply", message)
    subject = message.subject if message.subject.startswith("Re: ") else f"Re: {message.subject}"
    subject, body = _message_text(subject[:200], body)
    _count_message(user)
    message.replied_at = utcnow()
    message.read_at = message.read_at or utcnow()
    (answer,) = _deliver(user, [message.sender], subject, body, reply_to_id=message.id,
                         profile_id=message.profile_id, item_id=message.item_id)
    record("experts.replied", user, message_id=message.id)
    return answer


@operation
def mark_read(user, message: ContactMessage) -> None:
    if message.recipient_id == user.id and message.read_at is None:
        message.read_at = utcnow()


def address_revealed(message: ContactMessage) -> bool:
    """The sender's address is shown to the recipient only once the recipient has replied;
    a reply reveals the replier's address to the original sender (they chose to answer)."""
    return message.replied_at is not None or message.reply_to_id is not None
