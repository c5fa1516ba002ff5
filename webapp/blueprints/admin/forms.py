"""The administration's forms. Their rules are the services' rules: the forms only say what is
missing, in the administrator's language."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ...services import system_settings

NAME_REQUIRED = _l("Enter the district's name in every language.")
TOO_LONG = _l("The name is too long.")


class DistrictForm(FlaskForm):
    code = StringField(_l("Code (prefix of application numbers)"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=8, message=_l("The code is 2 to 8 Latin letters, such as GM."))])
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(NAME_REQUIRED), Length(max=200, message=TOO_LONG)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(NAME_REQUIRED), Length(max=200, message=TOO_LONG)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(NAME_REQUIRED), Length(max=200, message=TOO_LONG)])
    timezone = StringField(_l("Time zone"), default="Asia/Almaty", validators=[DataRequired(_l("Enter the time zone."))])
    email = StringField(_l("Department's email (Reply-To of its letters)"),
                        validators=[Length(max=200, message=_l("The address is too long."))])

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in ("code", "name_kk", "name_ru", "name_en", "timezone",
                                                            "email")}


class SettingsForm(FlaskForm):
    """One text field per editable setting, named by its configuration key."""


for _item in system_settings.EDITABLE:
    setattr(SettingsForm, _item.key, StringField(_item.label, validators=[Length(max=500)]))
