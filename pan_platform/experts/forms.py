"""The expert profile form and the contact form. Choices are filled per request, so labels
are translated; the operations check every value again with translated messages."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired

from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.forms import MultiCheckboxField
from pan_platform.experts.models import AVAILABILITY
from pan_platform.forms import FlaskForm, at_most
from pan_platform.i18n import _, _l


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Please enter your name.")), at_most(200)])
    headline = StringField(_l("Position and expertise in one line"), validators=[at_most(300)])
    bio = TextAreaField(_l("About you"), validators=[at_most(5000)])
    training = TextAreaField(_l("Training delivered"), validators=[at_most(5000)])
    language = SelectField(_l("Language of these texts"), validate_choice=False)
    country_code = SelectField(_l("Country"), validate_choice=False)
    areas = MultiCheckboxField(_l("Priority areas"), validate_choice=False)
    topics = SelectMultipleField(_l("Topics of expertise (thesaurus)"), validate_choice=False)
    languages_spoken = SelectMultipleField(_l("Languages spoken"), validate_choice=False)
    languages_taught = SelectMultipleField(_l("Languages taught in"), validate_choice=False)
    availability = MultiCheckboxField(_l("Available for"), validate_choice=False)
    translation_language = SelectField(_l("Add or replace a translation in"), default="", validate_choice=False)
    translation_headline = StringField(_l("In that language: position and expertise"), validators=[at_most(300)])
    translation_bio = TextAreaField(_l("In that language: about you"), validators=[at_most(5000)])
    translation_training = TextAreaField(_l("In that language: training delivered"), validators=[at_most(5000)])
    remove_translations = MultiCheckboxField(_l("Remove these translations"), validate_choice=False)
    photo = FileField(_l("Photo (optional: JPEG, PNG, GIF or WebP)"))
    remove_photo = BooleanField(_l("Remove the photo"))
    visibility = SelectField(_l("Who may see the profile"), default="network", validate_choice=False)
    shared_with = MultiCheckboxField(_l("Named partners"), coerce=int, validate_choice=False)
    consent = BooleanField(_l("I agree to be listed in the experts directory with these details; "
                              "I may export or delete my profile at any time."))

    def fill_choices(self, language_name, country_name, countries, topics, partners) -> None:
        languages = [(code, language_name(code)) for code in dict.fromkeys(vocab.CONTENT_LANGUAGES)]
        self.language.choices = languages
        self.translation_language.choices = [("", _("— not set —"))] + languages
        self.languages_spoken.choices = languages
        self.languages_taught.choices = languages
        self.country_code.choices = [("", _("— not set —"))] + sorted(
            ((code, country_name(code)) for code in countries), key=lambda pair: pair[1])
        self.areas.choices = [(code, str(label)) for code, label in vocab.PRIORITY_AREAS.items()]
        self.topics.choices = topics
        self.availability.choices = [(code, str(label)) for code, label in AVAILABILITY.items()]
        self.visibility.choices = [
            ("network", _("The network (every academy)")),
            ("partners-named", _("The network and the named partners")),
            ("partners-all", _("The network and every partner")),
            ("public", _("Everyone (public)")),
        ]
        self.shared_with.choices = [(p.id, p.display_name) for p in partners]

    def values(self) -> dict:
        visibility, _sep, scope = (self.visibility.data or "").partition("-")
        return {
            "name": self.name.data, "headline": self.headline.data, "bio": self.bio.data,
            "training": self.training.data, "language": self.language.data, "country_code": self.country_code.data,
            "areas": self.areas.data, "topics": self.topics.data, "languages_spoken": self.languages_spoken.data,
            "languages_taught": self.languages_taught.data, "availability": self.availability.data,
            "visibility": visibility, "partner_scope": scope or "named", "shared_with": self.shared_with.data,
            "translation": {"language": self.translation_language.data, "headline": self.translation_headline.data,
                            "bio": self.translation_bio.data, "training": self.translation_training.data},
            "remove_translations": self.remove_translations.data,
        }


class ContactForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[InputRequired(_l("Please enter a subject.")), at_most(200)])
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Please write a message.")), at_most(5000)])


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[InputRequired(_l("Please write a message.")), at_most(5000)])
