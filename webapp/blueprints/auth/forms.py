"""Account forms. Field rules are the services' rules: a validator calls the service and shows its
message, so the page and the domain never disagree about what a valid phone or password is."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ...services import iin as iins
from ...services import users
from ...services.errors import InvalidInput


def _by_service(check):
    """A WTForms validator from a service check that raises InvalidInput."""

    def validator(form, field):
        try:
            check(field.data, form)
        except InvalidInput as error:
            raise ValidationError(str(error)) from None

    return validator


def _phone(value, form):
    users.normalise_phone(value)


def _password(value, form):
    phone_field = getattr(form, "phone", None)
    phone = phone_field.data if phone_field is not None else getattr(form, "account_phone", None)
    try:
        phone = users.normalise_phone(phone) if phone else None
    except InvalidInput:
        phone = None
    users.check_password(value, phone)


def _iin(value, form):
    iins.parse(value)


def _email(value, form):
    users.normalise_email(value)


PHONE_REQUIRED = _l("Enter your mobile phone number.")
PASSWORD_REQUIRED = _l("Enter your password.")


class SignUpForm(FlaskForm):
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(PHONE_REQUIRED), _by_service(_phone)])
    full_name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter your full name.")), Length(max=300, message=_l("The name is too long."))])
    iin = StringField(_l("Your IIN"), validators=[DataRequired(_l("Enter your IIN.")), _by_service(_iin)])
    email = StringField(_l("Email (optional)"), validators=[_by_service(_email)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password.")),
                                                         _by_service(_password)])
    password_again = PasswordField(_l("Password again"), validators=[
        DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))])


class LogInForm(FlaskForm):
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(PHONE_REQUIRED), _by_service(_phone)])
    password = PasswordField(_l("Password"), validators=[DataRequired(PASSWORD_REQUIRED)])
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), validators=[
        DataRequired(_l("Enter the 6-digit code from the SMS.")),
        Length(min=6, max=12, message=_l("The code has 6 digits."))])
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(PHONE_REQUIRED), _by_service(_phone)])


class ResetPasswordForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), validators=[
        DataRequired(_l("Enter the 6-digit code from the SMS.")),
        Length(min=6, max=12, message=_l("The code has 6 digits."))])
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a password.")),
                                                             _by_service(_password)])
    password_again = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Repeat the password.")), EqualTo("password", _l("The two passwords differ."))])

    def __init__(self, *args, account_phone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_phone = account_phone


class ProfileForm(FlaskForm):
    language = RadioField(_l("Language of messages and pages"),
                          validators=[DataRequired(_l("Choose a language."))])
    email = StringField(_l("Email"), validators=[_by_service(_email)])
    notify_sms = BooleanField(_l("SMS to my phone"))
    notify_email = BooleanField(_l("Letters to my email"))

    def validate_notify_email(self, field):
        if field.data and not (self.email.data or "").strip():
            raise ValidationError(_l("Enter an email address to receive letters."))


class ChangePhoneForm(FlaskForm):
    phone = StringField(_l("New mobile phone"), validators=[
        DataRequired(_l("Enter the new mobile phone number.")), _by_service(_phone)])


class EmptyForm(FlaskForm):
    """A button that acts: a POST with nothing but the CSRF token (log-out, send the code again)."""
