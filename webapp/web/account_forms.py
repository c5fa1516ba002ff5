"""Forms for office accounts, shared by the department (staff of its kindergartens) and the
administration (department operators). No password field: the person sets their own with the code
the SMS brings."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..services import users
from ..services.errors import InvalidInput

MESSAGE_LANGUAGES = (SelectChoice("kk", "Қазақша"), SelectChoice("ru", "Русский"))


class AccountForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter the person's full name.")), Length(max=300, message=_l("The name is too long."))])
    phone = StringField(_l("Mobile phone"), validators=[DataRequired(_l("Enter the mobile phone number."))])

    def validate_phone(self, field):
        try:
            users.normalise_phone(field.data)
        except InvalidInput as error:
            raise ValidationError(str(error)) from None
    language = SelectField(_l("Language of the SMS"), choices=MESSAGE_LANGUAGES,
                           validators=[DataRequired(_l("Choose a language."))])


class ButtonForm(FlaskForm):
    """A button that acts (block, unblock, send a code): a POST with nothing but the CSRF token."""
