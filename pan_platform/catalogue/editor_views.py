"""The editor workspace (/workspace): thin views over catalogue.operations."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from pan_platform.access import can
from pan_platform.catalogue import importer, operations, workspace
from pan_platform.catalogue.forms import (
    ActionForm,
    FileDetailsForm,
    FilesForm,
    ImportForm,
    ItemForm,
    SharingForm,
    UploadForm,
    chosen_files,
)
from pan_platform.catalogue.models import ALLOWED_PARENT, Item
from pan_platform.catalogue.vocabularies import ITEM_KINDS, STATES
from pan_platform.extensions import db
from pan_platform.i18n import _, ngettext
from pan_platform.operations import OperationError, flash_error
from pan_platform.organisations.models import Organisation
from pan_platform.paging import page_number
from pan_platform.sharing import operations as sharing_operations
from pan_platform.sharing.markings import MARKINGS, marking_of
from pan_platform.storage.validate import UploadRejected
from pan_platform.web import confirm
from pan_platform.web.ids import parse_id
from pan_platform.web.templating import language_name

bp = Blueprint("editor", __name__, url_prefix="/workspace")


def _my_academy() -> Organisation:
    organisation = current_user.organisation
    if not can(current_user, "create_item", organisation):
        raise Forbidden()
    return organisation


def _editable(item_id: int) -> Item:
    item = operations.get_item(item_id)
    operations.require(current_user, "edit", item)
    return item


def _apply_errors(form, errors: dict[str, str]) -> None:
    """Show the operation's messages next to the matching fields (or as a message)."""
    for name, message in errors.items():
        target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*list(target.errors or []), message]
        else:
            flash(message, "error")


@bp.route("/")
@login_required
def index():
    organisation = _my_academy()
    state = request.args.get("state") if request.args.get("state") in STATES else None
    kind = request.args.get("kind") if request.args.get("kind") in ITEM_KINDS else None
    return render_template(
        "workspace/index.html",
        organisation=organisation,
        page=workspace.academy_items(organisation, state, kind, page_number(request.args.get("page"))),
        counts=workspace.state_counts(organisation),
        state=state,
        kind=kind,
        waiting=workspace.waiting(current_user, organisation),
        manages_sharing=can(current_user, "manage_sharing", organisation),
    )


@bp.route("/new/<kind>", methods=["GET", "POST"])
@login_required
def create(kind: str):
    if kind not in ALLOWED_PARENT:
        abort(404)
    organisation = _my_academy()
    form = ItemForm()
    form.fill_choices(language_name, workspace.possible_parents(organisation, kind))
    if request.method == "GET":
        form.parent_id.data = request.args.get("parent", 0, type=int)
        parent = db.session.get(Item, form.parent_id.data) if form.parent_id.data else None
        if parent is not None and can(current_user, "edit", parent):
            form.area_codes.data = parent.area_codes
        form.language.data = form.language.data or "en"
    if kind == "curriculum":
        del form.parent_id
    if kind != "material":
        del form.files
    if form.validate_on_submit():
        parent_id = form.parent_id.data if kind != "curriculum" else 0
        parent = operations.get_item(parent_id) if parent_id else None
        uploads = [(f.stream, f.filename) for f in chosen_files(form.files)] if kind == "material" else []
        try:
            item = operations.create_item_with_files(current_user, organisation, kind, form.fields_data(),
                                                     parent=parent, uploads=uploads)
        except UploadRejected as error:
            form.files.errors = [*list(form.files.errors or []), str(error)]
        except operations.InvalidInput as error:
            _apply_errors(form, error.errors)
        else:
            flash(_("Saved as a draft."), "success")
            return redirect(url_for("editor.manage", item_id=item.id))
    return render_template("workspace/item_form.html", form=form, kind=kind, item=None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    item = _editable(item_id)
    form = ItemForm(obj=item)
    form.fill_choices(language_name)
    del form.parent_id
    del form.files
    if request.method == "GET":
        form.area_codes.data = item.area_codes
        form.keywords.data = ", ".join(item.keywords or [])
    if form.validate_on_submit():
        try:
            operations.update_item(current_user, item, form.fields_data())
        except operations.InvalidInput as error:
            _apply_errors(form, error.errors)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("editor.manage", item_id=item.id))
    return render_template("workspace/item_form.html", form=form, kind=item.kind, item=item)


def _sharing_form(item: Item, formdata=None) -> SharingForm:
    form = SharingForm(formdata=formdata)
    form.fill_choices(item, workspace.partner_organisations(), MARKINGS)
    if formdata is None:
        form.visibility.data = item.visibility
        form.partner_scope.data = item.partner_scope
        form.shares.data = [s.organisation_id for s in item.shares]
        form.marking.data = marking_of(item) or ""
        form.files_access.data = item.policy.files_access if item.policy else "same"
    return form


def _file_forms(item: Item) -> dict[int, FileDetailsForm]:
    forms = {}
    for material_file in item.files:
        form = FileDetailsForm(formdata=None, obj=material_file, prefix=f"f{material_file.id}")
        form.fill_choices(language_name)
        forms[material_file.id] = form
    return forms


def _render_manage(item: Item, sharing: SharingForm | None = None, upload: UploadForm | None = None,
                   add_files: FilesForm | None = None):
    return render_template(
        "workspace/manage.html",
        item=item,
        sharing=sharing or _sharing_form(item),
        upload=upload or UploadForm(formdata=None),
        add_files=add_files or FilesForm(formdata=None),
        file_forms=_file_forms(item) if item.kind == "material" else {},
        action_form=ActionForm(),
        modules=workspace.attachable_modules(item) if item.kind == "curriculum" else [],
        adaptations=workspace.adaptations(current_user, item),
        original=workspace.readable_original(current_user, item),
    )


@bp.route("/items/<int:item_id>")
@login_required
def manage(item_id: int):
    return _render_manage(_editable(item_id))


@bp.route("/items/<int:item_id>/sharing", methods=["POST"])
@login_required
def sharing(item_id: int):
    item = _editable(item_id)
    form = _sharing_form(item, formdata=request.form)
    if form.validate():
        try:
            operations.set_sharing(current_user, item, form.visibility.data, form.partner_scope.data,
                                   form.shares.data or [])
            # Marking and files-on-request sit on the same panel (their own operation); a post
            # without them (an older page) leaves them as they are.
            if "marking" in request.form or "files_access" in request.form:
                sharing_operations.set_item_policy(current_user, item, form.marking.data or None,
                                                   form.files_access.data)
        except operations.InvalidInput as error:
            _apply_errors(form, error.errors)
        except OperationError as error:
            flash_error(error)
        else:
            flash(_("Sharing saved."), "success")
            return redirect(url_for("editor.manage", item_id=item.id))
    return _render_manage(item, sharing=form), 400


@bp.route("/items/<int:item_id>/state", methods=["POST"])
@login_required
def state(item_id: int):
    item = _editable(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    action = request.form.get("action", "")
    if action == "archive" and item.state != "draft" and not confirm.confirmed():
        return _confirm_archive(item)
    try:
        changed = operations.set_state(current_user, item, action)
    except operations.InvalidInput as error:
        flash_error(error)
        return _render_manage(item), 400
    messages = {
        "publish": _("Published: %(n)d item(s).", n=len(changed)),
        "archive": _("Archived."),
        "draft": _("Back to draft."),
    }
    flash(messages[action], "success")
    return redirect(url_for("editor.manage", item_id=item.id))


def _inheriting(item: Item) -> list[Item]:
    """The parts that follow the item's sharing (and so disappear with it)."""
    out = []
    for child in item.children:
        if child.visibility == "inherit":
            out += [child, *_inheriting(child)]
    return out


def _confirm_archive(item: Item):
    parts = sum(1 for node in _inheriting(item) if node.state == "published")
    consequence = _("“%(title)s” leaves the catalogue, the search and the feeds; readers can no longer open it.",
                    title=item.title)
    if parts:
        consequence += " " + ngettext("%(num)d published part inside it disappears with it.",
                                      "%(num)d published parts inside it disappear with it.", parts)
    return confirm.confirmation_page(_("Archive “%(title)s”?", title=item.title), consequence,
                                     _("Archive"), fallback=url_for("editor.manage", item_id=item.id))


@bp.route("/items/<int:item_id>/move", methods=["POST"])
@login_required
def move(item_id: int):
    item = _editable(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    operations.move(current_user, item, request.form.get("direction", ""))
    return redirect(url_for("editor.manage", item_id=item.parent_id or item.id))


@bp.route("/items/<int:item_id>/attach", methods=["POST"])
@login_required
def attach(item_id: int):
    curriculum = _editable(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    module_id = parse_id(request.form.get("module_id"))
    module = _editable(module_id) if module_id else None
    if module is None:
        flash(_("Please choose a module."), "error")
        return redirect(url_for("editor.manage", item_id=curriculum.id))
    previous = module.parent
    if previous is not None and previous.id != curriculum.id and not confirm.confirmed():
        return _confirm_move(module, previous, curriculum)
    try:
        operations.attach_module(current_user, curriculum, module)
    except operations.InvalidInput as error:
        flash_error(error)
    else:
        flash(_("Module attached."), "success")
    return redirect(url_for("editor.manage", item_id=curriculum.id))


def _confirm_move(module: Item, previous: Item, curriculum: Item):
    """Attaching moves a module: the curriculum it is in now loses it."""
    consequence = _("“%(module)s” is now part of “%(previous)s”. Attaching it here moves it: it leaves "
                    "“%(previous)s”.", module=module.title, previous=previous.title)
    if len(previous.children) == 1:
        consequence += " " + _("“%(previous)s” is then left without modules.", previous=previous.title)
    return confirm.confirmation_page(
        _("Move “%(module)s” to “%(curriculum)s”?", module=module.title, curriculum=curriculum.title),
        consequence, _("Move the module"), fallback=url_for("editor.manage", item_id=curriculum.id),
    )


@bp.route("/items/<int:item_id>/detach", methods=["POST"])
@login_required
def detach(item_id: int):
    item = _editable(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    parent_id = item.parent_id
    operations.detach(current_user, item)
    flash(_("Removed from its parent; it now stands alone as a private item."), "success")
    return redirect(url_for("editor.manage", item_id=parent_id or item.id))


@bp.route("/items/<int:item_id>/upload", methods=["POST"])
@login_required
def upload(item_id: int):
    item = _editable(item_id)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            operations.add_file_version(current_user, item, form.file.data.stream, form.file.data.filename,
                                        note=form.note.data, file_id=parse_id(request.form.get("file_id")))
        except UploadRejected as error:
            form.file.errors = [*list(form.file.errors), str(error)]
        except operations.InvalidInput as error:
            _apply_errors(form, error.errors)
        else:
            flash(_("File uploaded."), "success")
            return redirect(url_for("editor.manage", item_id=item.id))
    return _render_manage(item, upload=form), 400


@bp.route("/items/<int:item_id>/files", methods=["POST"])
@login_required
def add_files(item_id: int):
    """Several new files at once: all are stored, or none."""
    item = _editable(item_id)
    form = FilesForm()
    if form.validate_on_submit():
        uploads = [(f.stream, f.filename) for f in chosen_files(form.files)]
        try:
            operations.add_files(current_user, item, uploads)
        except UploadRejected as error:
            form.files.errors = [*list(form.files.errors), str(error)]
        except operations.InvalidInput as error:
            _apply_errors(form, error.errors)
        else:
            flash(ngettext("%(num)d file uploaded.", "%(num)d files uploaded.", len(uploads)), "success")
            return redirect(url_for("editor.manage", item_id=item.id))
    return _render_manage(item, add_files=form), 400


def _file_action(item_id: int) -> Item:
    item = _editable(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return item


@bp.route("/items/<int:item_id>/files/<int:file_id>", methods=["POST"])
@login_required
def file_details(item_id: int, file_id: int):
    item = _editable(item_id)
    form = FileDetailsForm(prefix=f"f{file_id}")
    form.fill_choices(language_name)
    if not form.validate_on_submit():
        for message in [m for messages in form.errors.values() for m in messages]:
            flash(message, "error")
        return redirect(url_for("editor.manage", item_id=item.id))
    try:
        operations.update_file(current_user, item, file_id, form.role.data, form.language.data, form.title.data)
    except operations.InvalidInput as error:
        flash_error(error)
    else:
        flash(_("File details saved."), "success")
    return redirect(url_for("editor.manage", item_id=item.id))


@bp.route("/items/<int:item_id>/files/<int:file_id>/move", methods=["POST"])
@login_required
def file_move(item_id: int, file_id: int):
    item = _file_action(item_id)
    try:
        operations.move_file(current_user, item, file_id, request.form.get("direction", ""))
    except operations.InvalidInput as error:
        flash_error(error)
    return redirect(url_for("editor.manage", item_id=item.id))


@bp.route("/items/<int:item_id>/files/<int:file_id>/remove", methods=["POST"])
@login_required
def file_remove(item_id: int, file_id: int):
    item = _file_action(item_id)
    try:
        operations.remove_file(current_user, item, file_id)
    except operations.InvalidInput as error:
        flash_error(error)
    else:
        flash(_("File removed from the material."), "success")
    return redirect(url_for("editor.manage", item_id=item.id))


@bp.route("/items/<int:item_id>/preview")
@login_required
def preview(item_id: int):
    item = operations.get_item(item_id)
    operations.require(current_user, "preview", item)
    partners = workspace.partner_organisations()
    chosen = request.args.get("partner", type=int)
    partner = next((p for p in partners if p.id == chosen), partners[0] if partners else None)
    nodes, rows = workspace.preview(item, partner)
    return render_template("workspace/preview.html", item=item, nodes=nodes, rows=rows,
                           partners=partners, partner=partner)


@bp.route("/items/<int:item_id>/adapt", methods=["POST"])
@login_required
def adapt(item_id: int):
    item = operations.get_item(item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = operations.adapt_item(current_user, item)
    flash(_("A copy was made in your academy as a private draft. Adapt it, then publish it."), "success")
    left_out = len(operations.parts_left_out(current_user, copy))
    if left_out:
        flash(ngettext("%(num)d part was not copied: its licence does not allow adapting it.",
                       "%(num)d parts were not copied: their licence does not allow adapting them.", left_out),
              "info")
    withheld = len(operations.withheld_parts(copy))
    if withheld:
        flash(ngettext("%(num)d file was not copied: its owner academy gives it on request. "
                       "The copy says where to ask for it.",
                       "%(num)d files were not copied: their owner academy gives them on request. "
                       "The copy says where to ask for them.", withheld), "info")
    return redirect(url_for("editor.manage", item_id=copy.id))


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_archive():
    _my_academy()
    form = ImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            report = importer.import_archive(current_user, form.archive.data.stream,
                                             source_name=form.archive.data.filename)
        except importer.ImportFailed as error:
            errors = error.errors
        else:
            flash(_("Imported %(items)d items and %(files)d files as drafts unless the manifest said otherwise.",
                    items=report.created, files=report.files), "success")
            return redirect(url_for("editor.index"))
    status = 400 if errors or form.errors else 200
    return render_template("workspace/import.html", form=form, errors=errors,
                           guide=importer.field_guide()), status


@bp.route("/import/manifest-template.csv")
@login_required
def import_template():
    _my_academy()
    return Response(importer.csv_template(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=manifest.csv"})


@bp.app_template_global()
def text_status_label(status: str) -> str:
    labels = {
        "pending": _("Being extracted"),
        "done": _("Extracted"),
        "failed": _("Text could not be extracted"),
        "none": _("No text (image or video)"),
    }
    return labels.get(status, status)


@bp.app_template_global()
def readable_original(item: Item) -> Item | None:
    return workspace.readable_original(current_user, item)


@bp.app_template_global()
def withheld_original(item: Item) -> Item | None:
    return workspace.withheld_original(current_user, item)


@bp.app_template_global()
def item_adaptations(item: Item) -> workspace.Adaptations:
    return workspace.adaptations(current_user, item)


@bp.app_template_global()
def item_attribution(item: Item) -> workspace.Attribution | None:
    return workspace.attribution(current_user, item)


@bp.app_template_global()
def own_adaptation(item: Item) -> Item | None:
    return workspace.own_copy(current_user, item)


@bp.app_template_global()
def adaptation_request(item: Item):
    """The viewer's academy's pending or approved request to adapt `item`."""
    if not current_user.is_authenticated:
        return None
    return sharing_operations.open_adaptation_request(item, current_user.organisation_id)
