"""The event form. Choices are filled per request, so labels are translated."""

from __future__ import annotations

from zoneinfo import available_timezones

from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.forms import MultiCheckboxField
from pan_platform.events.models import EVENT_KINDS
from pan_platform.forms import FlaskForm
from pan_platform.i18n import _, _l

_WHEN = "%Y-%m-%dT%H:%M"


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(_l("Please enter a title.")), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20_000)])
    kind = SelectField(_l("Kind of event"))
    starts_at = DateTimeLocalField(_l("Starts"), format=_WHEN, validators=[InputRequired(_l("Please enter a date and time."))])
    ends_at = DateTimeLocalField(_l("Ends"), format=_WHEN, validators=[InputRequired(_l("Please enter a date and time."))])
    time_zone = SelectField(_l("Time zone"), default="Europe/Vienna")
    place = StringField(_l("Place"), validators=[Length(max=300)])
    online_url = StringField(_l("Online (link)"), validators=[Length(max=500)])
    languages = MultiCheckboxField(_l("Working languages"))
    areas = MultiCheckboxField(_l("Priority areas"))
    audience = SelectField(_l("Target audience"), default="")
    seats = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=1, max=100_000)])
    application_deadline = DateTimeLocalField(_l("Application deadline"), format=_WHEN, validators=[Optional()])
    related = StringField(_l("Related items (numbers, separated by commas)"), validators=[Length(max=500)])
    contact = StringField(_l("Contact"), validators=[Length(max=300)])
    visibility = SelectField(_l("Who may see it"), default="network")
    shared_with = MultiCheckboxField(_l("Named partners"), coerce=int)

    def fill_choices(self, language_name, partners) -> None:
        self.kind.choices = [(code, str(label)) for code, label in EVENT_KINDS.items()]
        self.time_zone.choices = [(z, z) for z in sorted(available_timezones())]
        self.languages.choices = [(code, language_name(code)) for code in dict.fromkeys(vocab.CONTENT_LANGUAGES)]
        self.areas.choices = [(code, str(label)) for code, label in vocab.PRIORITY_AREAS.items()]
        self.audience.choices = [("", _("— not set —"))] + [(c, str(label)) for c, label in vocab.AUDIENCES.items()]
        self.visibility.choices = [
            ("network", _("The network (every academy)")),
            ("partners-named", _("The network and the named partners")),
            ("partners-all", _("The network and every partner")),
            ("public", _("Everyone (public)")),
        ]
        self.shared_with.choices = [(p.id, p.display_name) for p in partners]

    def values(self) -> dict:
        visibility, _sep, scope = self.visibility.data.partition("-")
        related = [part.strip() for part in (self.related.data or "").split(",")]
        return {
            "title": self.title.data, "description": self.description.data, "kind": self.kind.data,
            "starts_at": self.starts_at.data, "ends_at": self.ends_at.data, "time_zone": self.time_zone.data,
            "place": self.place.data, "online_url": self.online_url.data, "languages": self.languages.data,
            "areas": self.areas.data, "audience": self.audience.data, "seats": self.seats.data,
            "application_deadline": self.application_deadline.data,
            "related_item_ids": [int(r) for r in related if r.isdigit()],
            "contact": self.contact.data, "visibility": visibility, "partner_scope": scope or "named",
            "shared_with": self.shared_with.data,
        }
