"""Forms of the editor workspace. Choices are filled per request, so labels are translated."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    DecimalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from pan_platform.catalogue import vocabularies as vocab
from pan_platform.forms import FlaskForm, at_most
from pan_platform.i18n import _, _l


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CodeSelectField(SelectField):
    """A vocabulary code; an unset code (None) is the empty choice, never an invalid one."""

    def process_data(self, value) -> None:
        self.data = "" if value is None else str(value)


def _https_only(form, field) -> None:
    if field.data and not field.data.lower().startswith("https://"):
        raise ValidationError(_("Please enter a full link starting with https://."))


def _choices(vocabulary: dict) -> list[tuple[str, str]]:
    return [("", _("— not set —"))] + [(code, str(label)) for code, label in vocabulary.items()]


class ItemForm(FlaskForm):
    parent_id = SelectField(_l("Part of"), coerce=int, validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter a title.")), at_most(300)])
    summary = TextAreaField(_l("Summary"), validators=[at_most(20_000)])
    learning_outcomes = TextAreaField(
        _l("Learning outcomes"), validators=[at_most(20_000)], description=_l("One outcome per line.")
    )
    language = SelectField(_l("Original language"), default="en")
    area_codes = MultiCheckboxField(_l("Priority areas"))
    keywords = StringField(_l("Keywords"), validators=[at_most(2000)], description=_l("Separated by commas."))
    resource_type = CodeSelectField(_l("Type of material"), default="")
    audience = CodeSelectField(_l("Target audience"), default="")
    level = CodeSelectField(_l("Level"), default="")
    delivery_mode = CodeSelectField(_l("Delivery mode"), default="")
    duration_hours = DecimalField(
        _l("Duration (hours)"),
        validators=[
            Optional(),
            NumberRange(min=vocab.MIN_HOURS, message=_l("Please enter at least a quarter of an hour (0.25).")),
            NumberRange(max=vocab.MAX_HOURS, message=_l("Please enter at most 10,000 hours.")),
        ],
    )
    licence = CodeSelectField(_l("Licence"), default="")
    external_url = URLField(
        _l("Link to an external resource (e.g. a video)"), validators=[Optional(), at_most(500), _https_only]
    )
    # Materials only (the views delete it elsewhere): files added with the new material.
    files = MultipleFileField(_l("Files"), description=_l("You can choose several files at once."))

    def fill_choices(self, language_name, parents: list | None = None) -> None:
        self.language.choices = [(code, language_name(code)) for code in dict.fromkeys(vocab.CONTENT_LANGUAGES)]
        self.area_codes.choices = [(code, str(label)) for code, label in vocab.PRIORITY_AREAS.items()]
        self.resource_type.choices = _choices(vocab.RESOURCE_TYPES)
        self.audience.choices = _choices(vocab.AUDIENCES)
        self.level.choices = _choices(vocab.LEVELS)
        self.delivery_mode.choices = _choices(vocab.DELIVERY_MODES)
        self.licence.choices = _choices(vocab.LICENCES)
        self.parent_id.choices = [(0, _("— stands alone —"))] + [(p.id, p.title) for p in parents or []]

    def validate_area_codes(self, field) -> None:
        # An item placed in a parent takes the parent's areas when none are ticked.
        in_parent = "parent_id" in self._fields and bool(self.parent_id.data)
        if not field.data and not in_parent:
            raise ValidationError(_("Please choose at least one priority area."))

    def fields_data(self) -> dict:
        """Plain values for the operations."""
        duration = self.duration_hours.data
        return {
            "title": self.title.data, "summary": self.summary.data,
            "learning_outcomes": self.learning_outcomes.data, "language": self.language.data,
            "area_codes": list(self.area_codes.data or []), "keywords": self.keywords.data or "",
            "resource_type": self.resource_type.data or None, "audience": self.audience.data or None,
            "level": self.level.data or None, "delivery_mode": self.delivery_mode.data or None,
            "duration_hours": float(duration) if duration is not None else None,
            "licence": self.licence.data or None, "external_url": self.external_url.data or None,
        }


class SharingForm(FlaskForm):
    visibility = RadioField(_l("Who may see it"))
    partner_scope = RadioField(_l("Partner organisations"), default="named")
    shares = MultiCheckboxField(_l("Share with these partner organisations"), coerce=int)
    marking = SelectField(_l("Handling marking"), default="")
    files_access = RadioField(_l("Files"), default="same")

    def fill_choices(self, item, partners: list, markings: dict) -> None:
        choices = [
            ("private", _("My academy only")),
            ("network", _("All academies of the network")),
            ("partners", _("Academies and partner organisations")),
            ("public", _("Everyone (public)")),
        ]
        if item.parent is not None:
            choices.insert(0, ("inherit", _("As its parent (inherit)")))
        self.visibility.choices = choices
        self.partner_scope.choices = [
            ("named", _("Only the partners ticked below")), ("all", _("All partner organisations")),
        ]
        self.shares.choices = [(o.id, o.display_name) for o in partners]
        self.marking.choices = [("", _("No marking"))] + [(code, str(name)) for code, name in markings.items()]
        self.files_access.choices = [
            ("same", _("Whoever can read the description can download the files")),
            ("request", _("Description visible, files on request")),
        ]


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Please choose a file."))])
    note = StringField(_l("What changed (for a new version)"), validators=[at_most(1000)])


class ImportForm(FlaskForm):
    archive = FileField(_l("ZIP archive with a manifest"), validators=[FileRequired(_l("Please choose a file."))])


class ActionForm(FlaskForm):
    """Buttons that change something: only the CSRF token."""


def chosen_files(field) -> list:
    """The files really chosen in a multiple file input (browsers send one empty part
    when none is chosen)."""
    return [f for f in field.data or [] if getattr(f, "filename", "")]


class FilesForm(FlaskForm):
    """Several new files of a material at once."""

    files = MultipleFileField(_l("Add files"), description=_l("You can choose several files at once."))

    def validate_files(self, field) -> None:
        if not chosen_files(field):
            raise ValidationError(_("Please choose a file."))


class FileDetailsForm(FlaskForm):
    """What one file of a material is for; choices are filled per request."""

    role = SelectField(_l("Role"))
    language = SelectField(_l("Language"))
    title = StringField(_l("Title (optional)"), validators=[at_most(300)])

    def fill_choices(self, language_name) -> None:
        self.role.choices = [(code, str(label)) for code, label in vocab.FILE_ROLES.items()]
        self.language.choices = [(code, language_name(code)) for code in dict.fromkeys(vocab.CONTENT_LANGUAGES)]
