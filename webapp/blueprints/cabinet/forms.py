"""Cabinet forms. As in the accounts' forms, a field's rule is the service's rule."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ...services import iin as iins
from ...services.errors import InvalidInput

NAME_LENGTH = Length(max=100, message=_l("At most 100 characters."))


def _iin(form, field):
    try:
        iins.parse(field.data or "")
    except InvalidInput as error:
        raise ValidationError(str(error)) from None


class EmptyForm(FlaskForm):
    """A button: a CSRF-protected POST and nothing else."""


class ChildNamesForm(FlaskForm):
    surname = StringField(_l("Surname"), validators=[DataRequired(_l("Enter the child's surname.")), NAME_LENGTH])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the child's name.")), NAME_LENGTH])
    patronymic = StringField(_l("Patronymic (optional)"), validators=[NAME_LENGTH])


class ChildForm(ChildNamesForm):
    iin = StringField(_l("Child's IIN"), validators=[DataRequired(_l("Enter the child's IIN.")), _iin])


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ApplicationForm(FlaskForm):
    locality = SelectField(_l("Locality"), coerce=_int_or_none,
                           validators=[DataRequired(_l("Choose a locality."))], validate_choice=False)
    language = RadioField(_l("Language of instruction"),  # choices: TEACHING_LANGUAGES, set by the route
                          validators=[DataRequired(_l("Choose the language of instruction: Kazakh or Russian."))])
    privilege = SelectField(_l("Privilege (optional)"), validate_choice=False)
    # kindergarten_1 … kindergarten_N (N: the largest district limit, services.policy) are read by
    # preferences(): a field each, in the parent's order; the district's own limit is the service's
    # rule. The privilege's document ("document", a file) is checked by services.documents.

    def preferences(self, raw, most: int) -> list[int]:
        """The kindergartens chosen, in order, gaps closed; a non-number is refused."""
        chosen = []
        for rank in range(1, most + 1):
            value = (raw.get(f"kindergarten_{rank}") or "").strip()
            if value:
                number = _int_or_none(value)
                if number is None:
                    raise InvalidInput(_l("A chosen kindergarten is not in the chosen locality."))
                chosen.append(number)
        return chosen


class ConfirmInterestForm(FlaskForm):
    contacts_ok = BooleanField(_l("Messages still reach me at this phone and email"),
                               validators=[DataRequired(_l("Confirm that your phone and email still reach you, "
                                                           "or change them in your account first."))])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=500, message=_l("At most 500 characters."))])
