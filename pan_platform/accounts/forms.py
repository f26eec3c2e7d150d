from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from pan_platform.i18n import _l


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Please enter your e-mail address.")), Email(_l("Please enter a valid e-mail address."))],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password.")), Length(max=1000)]
    )
    remember = BooleanField(_l("Keep me signed in"))
