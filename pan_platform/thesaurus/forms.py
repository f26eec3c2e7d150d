"""The console's upload form for a new thesaurus file."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired

from pan_platform.forms import FlaskForm
from pan_platform.i18n import _l


class ThesaurusUploadForm(FlaskForm):
    file = FileField(_l("Thesaurus file (CSV)"), validators=[FileRequired(_l("Please choose a file."))])
