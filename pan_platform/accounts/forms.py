from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Optional

from pan_platform.accounts.models import TOKEN_DEFAULT_DAYS
from pan_platform.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from pan_platform.forms import FlaskForm, at_most
from pan_platform.i18n import _l

_EMAIL = [
    DataRequired(_l("Please enter your e-mail address.")),
    Email(_l("Please enter a valid e-mail address.")),
    at_most(254),
]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_EMAIL)
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password.")), at_most(1000)]
    )
    remember = BooleanField(_l("Keep me signed in"))


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(_l("Please enter the code.")), at_most(10)],
    )


def _new_password_field(label):
    return PasswordField(
        label,
        description=_l("At least %(n)d characters. A few unrelated words make a good password.", n=MIN_LENGTH),
        validators=[DataRequired(_l("Please choose a password.")), at_most(MAX_LENGTH + 1)],
    )


class NewPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Please repeat the password.")),
                    EqualTo("password", _l("The two passwords do not match."))],
    )


class AcceptInvitationForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Please enter your name.")), at_most(200)])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your password.")), at_most(1000)]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_EMAIL)


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=_EMAIL)
    name = StringField(_l("Name (optional)"), validators=[Optional(), at_most(200)])
    role = SelectField(_l("Role"), choices=[])
    locale = SelectField(_l("Language of the invitation"), choices=[])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter your name.")), at_most(200)])
    locale = SelectField(_l("Language"), choices=[])
    time_zone = SelectField(_l("Time zone"), choices=[])


def _days_or_none(value: str | int | None) -> int | None:
    return int(value) if value not in ("", None) else None


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"), validators=[DataRequired(_l("Please give the token a name.")), at_most(100)],
        id="token-name",  # the profile form on the same page has a "name" field too
    )
    scope = SelectField(
        _l("The token may"), default="read",
        choices=[SelectChoice("read", _l("Read only")), SelectChoice("write", _l("Read and write"))],
        description=_l("Read and write lets scripts change what your account may change. "
                       "All your tokens are revoked when your password changes."),
    )
    days = SelectField(
        _l("Valid for"), default=str(TOKEN_DEFAULT_DAYS), coerce=_days_or_none,
        choices=[SelectChoice("30", _l("30 days")), SelectChoice("90", _l("90 days")),
                 SelectChoice("365", _l("1 year")), SelectChoice("", _l("No expiry"))],
    )


class EnableTotpForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(_l("Please enter the code.")), at_most(10)],
    )


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(_l("Please enter one of your recovery codes.")), at_most(40)],
    )


class RegenerateCodesForm(FlaskForm):
    password_or_code = PasswordField(
        _l("Your password or a current code from your app"),
        validators=[DataRequired(_l("Please enter your password or a current code.")), at_most(1000)],
    )


class PasswordConfirmForm(FlaskForm):
    password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your password.")), at_most(1000)]
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""
