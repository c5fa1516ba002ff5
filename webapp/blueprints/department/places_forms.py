"""Forms of the department's places: localities and kindergartens (groups use the staff office's
GroupForm). The forms say what is missing or too long; the rules are services.kindergartens'."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ...web.labels import OWNERSHIP, TEACHING_LANGUAGES

TOO_LONG = _l("The text is too long.")


def _name(label, required: bool = True):
    checks = [Length(max=300, message=TOO_LONG)]
    if required:
        checks.insert(0, DataRequired(_l("Enter the name in Kazakh and in Russian.")))
    return StringField(label, validators=checks)


def _text(label):
    return TextAreaField(label, validators=[Length(max=4000, message=TOO_LONG)])


class LocalityForm(FlaskForm):
    name_kk = _name(_l("Name in Kazakh"))
    name_ru = _name(_l("Name in Russian"))
    name_en = _name(_l("Name in English (optional)"), required=False)


class KindergartenForm(FlaskForm):
    name_kk = _name(_l("Name in Kazakh"))
    name_ru = _name(_l("Name in Russian"))
    name_en = _name(_l("Name in English (optional)"), required=False)
    locality_id = SelectField(_l("Locality"), coerce=int, validate_choice=False,
                              validators=[DataRequired(_l("Choose a locality of the district."))])
    address = StringField(_l("Address"), validators=[DataRequired(_l("Enter the address.")),
                                                     Length(max=300, message=TOO_LONG)])
    phone = StringField(_l("Phone"), validators=[Length(max=32, message=TOO_LONG)])
    languages = SelectMultipleField(
        _l("Languages of instruction"),
        choices=[SelectChoice(code, label) for code, label in TEACHING_LANGUAGES.items()],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        validators=[DataRequired(_l("Choose at least one language of instruction."))])
    ownership = SelectField(_l("Form of ownership"),
                            choices=[SelectChoice(code, label) for code, label in OWNERSHIP.items()])
    working_hours = StringField(_l("Working hours"), default="07:30–19:00",
                                validators=[Length(max=64, message=TOO_LONG)])
    equipment = _text(_l("Equipment (separated by commas)"))
    programmes = _text(_l("Programmes (separated by semicolons)"))
    description_kk = _text(_l("Description in Kazakh"))
    description_ru = _text(_l("Description in Russian"))
    description_en = _text(_l("Description in English"))

    FIELDS = ("name_kk", "name_ru", "name_en", "locality_id", "address", "phone", "ownership", "working_hours",
              "equipment", "programmes", "description_kk", "description_ru", "description_en")

    def values(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


def kindergarten_data(kindergarten) -> dict:
    """What the form shows for an existing kindergarten (its languages are stored as "kk,ru")."""
    data = {name: getattr(kindergarten, name) for name in KindergartenForm.FIELDS}
    data["languages"] = kindergarten.language_list
    return data
