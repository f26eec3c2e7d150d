"""Forms of the translation editor."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from pan_platform.catalogue.translation_ops import TEXT_MAX, TITLE_MAX
from pan_platform.forms import FlaskForm, at_most
from pan_platform.i18n import _l


class TranslationForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please enter the translated title.")),
            Length(max=TITLE_MAX, message=_l("The title is too long (at most %(max)d characters).")),
        ],
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Length(max=TEXT_MAX, message=_l("The text is too long (at most %(max)d characters)."))],
    )
    learning_outcomes = TextAreaField(
        _l("Learning outcomes"),
        description=_l("One learning outcome per line."),
        validators=[Length(max=TEXT_MAX, message=_l("The text is too long (at most %(max)d characters)."))],
    )


class LinkVersionForm(FlaskForm):
    other = StringField(
        _l("Item number or address of the other language version"),
        description=_l("For example 42, or the address of its page such as https://pan.example/ru/items/42."),
        validators=[DataRequired(_l("Please enter the number or address of an item.")), at_most(500)],
    )
