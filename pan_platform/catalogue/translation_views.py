"""The translation editor: an item's original text beside its translation, and its language versions.

/workspace/items/<id>/translations          pick a language (first one not yet translated)
/workspace/items/<id>/translations/<lang>   edit the translation into <lang>, side by side
Views are thin: the operations in translation_ops / language_versions check permissions.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from pan_platform.access import can
from pan_platform.catalogue import language_versions
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.translation_forms import LinkVersionForm, TranslationForm
from pan_platform.catalogue.translation_ops import (
    TranslationText,
    delete_translation,
    save_translation,
    translation_languages,
)
from pan_platform.extensions import db
from pan_platform.i18n import RTL_LANGUAGES, _
from pan_platform.operations import OperationError, flash_error
from pan_platform.web.ids import parse_id
from pan_platform.web.templating import language_name

bp = Blueprint("translations", __name__)

_ITEM_PATH = re.compile(r"/items/([0-9]{1,12})/?$")


def _editable_item(item_id: int) -> Item:
    """The item, 404 when the user may not read it (hidden = missing), 403 when read-only."""
    item = db.session.get(Item, item_id)
    if item is None or not can(current_user, "read", item):
        abort(404)
    if not can(current_user, "edit", item):
        abort(403)
    return item


def _item_from_reference(reference: str) -> Item | None:
    """An item the user may read, from its number or the address of its page."""
    reference = reference.strip()
    if reference.isdecimal():  # any script's digits: "42", "٤٢"
        item_id = parse_id(reference)
    else:
        try:
            path = urlsplit(reference).path
        except ValueError:  # e.g. "http://[" (an unclosed IPv6 host)
            return None
        match = _ITEM_PATH.search(path)
        if match is None:
            return None
        item_id = parse_id(match.group(1))
    if item_id is None:
        return None
    item = db.session.get(Item, item_id)
    return item if item is not None and can(current_user, "read", item) else None


def _default_language(item: Item) -> str | None:
    choices = translation_languages(item)
    interface = str(get_locale() or "")
    if interface in choices:
        return interface
    untranslated = [code for code in choices if item.translation(code) is None]
    return (untranslated or choices or [None])[0]


@bp.route("/workspace/items/<int:item_id>/translations")
@login_required
def overview(item_id: int):
    item = _editable_item(item_id)
    language = _default_language(item)
    if language is None:
        abort(404)
    return redirect(url_for(".edit", item_id=item.id, language=language))


@bp.route("/workspace/items/<int:item_id>/translations/<language>", methods=["GET", "POST"])
@login_required
def edit(item_id: int, language: str):
    item = _editable_item(item_id)
    if language not in translation_languages(item):
        abort(404)
    existing = item.translation(language)
    form = TranslationForm(obj=existing)
    if form.validate_on_submit():
        text = TranslationText(form.title.data, form.summary.data, form.learning_outcomes.data)
        try:
            save_translation(current_user, item, language, text)
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("Translation saved: %(language)s.", language=language_name(language)), "success")
            return redirect(url_for(".edit", item_id=item.id, language=language))
    return _render_editor(item, language, form, LinkVersionForm(formdata=None))


@bp.route("/workspace/items/<int:item_id>/translations/<language>/delete", methods=["POST"])
@login_required
def delete(item_id: int, language: str):
    item = _editable_item(item_id)
    if language not in translation_languages(item):
        abort(404)
    try:
        deleted = delete_translation(current_user, item, language)
    except OperationError as error:
        flash_error(error)
    else:
        if deleted:
            flash(_("Translation deleted: %(language)s.", language=language_name(language)), "success")
    return redirect(url_for(".edit", item_id=item.id, language=language))


@bp.route("/workspace/items/<int:item_id>/versions", methods=["POST"])
@login_required
def link_version(item_id: int):
    item = _editable_item(item_id)
    form = LinkVersionForm()
    if form.validate_on_submit():
        other = _item_from_reference(form.other.data)
        if other is None:
            form.other.errors.append(_("No item with this number or address is available to you."))
        else:
            try:
                language_versions.link_versions(current_user, item, other)
            except OperationError as error:
                form.other.errors.append(str(error))
            else:
                flash(_("The language versions have been linked."), "success")
                return redirect(url_for(".overview", item_id=item.id))
    # Refused: the editor page again, with the reference as typed and the reason beside it.
    language = _default_language(item)
    if language is None:
        abort(404)
    translation_form = TranslationForm(formdata=None, obj=item.translation(language))
    return _render_editor(item, language, translation_form, form), 422


@bp.route("/workspace/items/<int:item_id>/versions/<int:other_id>/remove", methods=["POST"])
@login_required
def unlink_version(item_id: int, other_id: int):
    item = _editable_item(item_id)
    other = db.session.get(Item, other_id)
    if other is None or not can(current_user, "read", other):
        abort(404)
    try:
        language_versions.unlink_version(current_user, item, other)
    except OperationError as error:
        flash_error(error)
    else:
        flash(_("The language version has been unlinked."), "success")
    return redirect(url_for(".overview", item_id=item.id))


def _render_editor(item: Item, language: str, form: TranslationForm, link_form: LinkVersionForm):
    return render_template(
        "catalogue/translations.html",
        item=item,
        original=item.localized(item.language),
        language=language,
        target_dir="rtl" if language in RTL_LANGUAGES else "ltr",
        original_dir="rtl" if item.language in RTL_LANGUAGES else "ltr",
        choices=translation_languages(item),
        form=form,
        link_form=link_form,
        versions=language_versions.readable_versions(current_user, item),
    )


@bp.app_context_processor
def _language_version_helpers() -> dict:
    """`language_versions(item)`: the other versions the viewer may read, their language first."""

    def readable(item: Item) -> list[Item]:
        return language_versions.readable_versions(current_user, item, str(get_locale() or ""))

    return {"language_versions": readable}
