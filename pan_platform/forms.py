"""The base class of every web form."""

from __future__ import annotations

from flask_wtf import FlaskForm as _FlaskForm
from wtforms.validators import Length

from pan_platform.i18n import _l


class FlaskForm(_FlaskForm):
    """Flask-WTF's form whose hidden CSRF field has no id: a page holds many forms, and each
    would otherwise repeat id="csrf_token" (ids must be unique on a page)."""

    class Meta(_FlaskForm.Meta):
        def render_field(self, field, render_kw):
            if field.name == "csrf_token":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


def at_most(characters: int) -> Length:
    """A length limit whose message says what is wrong and by how much (WTForms' own says
    "Field cannot be longer than ...", untranslated in some languages)."""
    return Length(max=characters, message=_l("The text is too long (at most %(max)d characters)."))
