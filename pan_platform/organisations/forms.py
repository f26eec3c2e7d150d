from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Email, Optional

from pan_platform.forms import FlaskForm, at_most
from pan_platform.i18n import _l
from pan_platform.organisations.models import ORGANISATION_KINDS


class ApplicationForm(FlaskForm):
    name = StringField(
        _l("Name of the academy or organisation"),
        validators=[DataRequired(_l("Please enter the name.")), at_most(200)],
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind, ORGANISATION_KINDS[kind]) for kind in ("academy", "partner")],
    )
    country = SelectField(_l("Country"), choices=[], validate_choice=True)
    website = URLField(_l("Website (optional)"), validators=[Optional(), URL(message=_l("Please enter a valid address.")), at_most(300)])
    contact_name = StringField(
        _l("Official contact: name"), validators=[DataRequired(_l("Please enter the name.")), at_most(200)]
    )
    contact_email = EmailField(
        _l("Official contact: e-mail address"),
        description=_l("This person becomes the organisation's first administrator."),
        validators=[DataRequired(_l("Please enter your e-mail address.")),
                    Email(_l("Please enter a valid e-mail address.")), at_most(254)],
    )
    message = TextAreaField(_l("Message to the secretariat (optional)"), validators=[Optional(), at_most(4000)])


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to the contact when refusing)"), validators=[Optional(), at_most(4000)])
