from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from pan_platform.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from pan_platform.i18n import _l

_EMAIL = [
    DataRequired(_l("Please enter your e-mail address.")),
    Email(_l("Please enter a valid e-mail address.")),
    Length(max=254),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_EMAIL)
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=1000)]
    )
    remember = BooleanField(_l("Keep me signed in"))


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(_l("Please enter the code.")), Length(max=10)],
    )


def _new_password_field(label):
    return PasswordField(
        label,
        description=_l("At least %(n)d characters. A few unrelated words make a good password.", n=MIN_LENGTH),
        validators=[DataRequired(_l("Please choose a password.")), Length(max=MAX_LENGTH + 1)],
    )


class NewPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Please repeat the password.")),
                    EqualTo("password", _l("The two passwords do not match."))],
    )


class AcceptInvitationForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=200)])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=1000)]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_EMAIL)


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_EMAIL)
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    locale = SelectField(_l("Language of the invitation"), choices=[])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=200)])
    locale = SelectField(_l("Language"), choices=[])
    time_zone = SelectField(_l("Time zone"), choices=[])


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"), validators=[DataRequired(_l("Please give the token a name.")), Length(max=100)]
    )


class EnableTotpForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(_l("Please enter the code.")), Length(max=10)],
    )


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=1000)]
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""
