"""The office's forms. Their rules are the services' rules; the forms only say what is missing or
not a number, in the clerk's language."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from ...web.labels import TEACHING_LANGUAGES

NOTE_HINT = _l("Only the kindergarten and the department see this note.")

# Reasons are public (the audit feed): fixed wording from a list, never a name or a diagnosis.
REJECT_REASONS = {
    "documents_mismatch": _l("The documents do not match the application"),
    "age_mismatch": _l("The child's age does not fit the group"),
    "medical": _l("A medical certificate rules out attendance"),
    "parent_request": _l("The parent asked to cancel the response"),
    "other": _l("Another reason (explained in the note)"),
}
NO_SHOW_REASONS = {
    "did_not_come": _l("The parent did not come to sign the contract"),
    "refused_in_person": _l("The parent refused the place in person"),
    "documents_missing": _l("The documents for the contract were not brought"),
    "other": _l("Another reason (explained in the note)"),
}
EXTEND_REASONS = {
    "illness": _l("The child or the parent is ill"),
    "documents_pending": _l("Documents are being prepared"),
    "kindergarten_closed": _l("The kindergarten is closed (quarantine, repairs)"),
    "other": _l("Another reason (explained in the note)"),
}


class EmptyForm(FlaskForm):
    """A button that acts: a POST with nothing but the CSRF token."""


class GroupForm(FlaskForm):
    name = StringField(_l("Name of the group"), validators=[
        DataRequired(_l("Enter the group's name.")), Length(max=100, message=_l("The name is too long."))])
    birth_year = IntegerField(_l("Year of birth of the children"), validators=[
        InputRequired(_l("Enter a year, such as 2022.")), NumberRange(2000, 2100, _l("Enter a year, such as 2022."))])
    language = SelectField(_l("Language of instruction"),
                           choices=[SelectChoice(code, label) for code, label in TEACHING_LANGUAGES.items()],
                           validators=[DataRequired(_l("Choose the language of instruction."))])
    capacity = IntegerField(_l("Capacity (places)"), validators=[
        InputRequired(_l("Enter the number of places.")),
        NumberRange(1, 60, _l("The capacity must be between 1 and 60."))])


class BulletinForm(FlaskForm):
    places = IntegerField(_l("Free places to announce"), validators=[
        InputRequired(_l("Enter the number of places.")), NumberRange(min=1, message=_l("At least one place."))])


class WithdrawForm(FlaskForm):
    places = IntegerField(_l("Unclaimed places to withdraw"), validators=[
        InputRequired(_l("Enter the number of places.")), NumberRange(min=1, message=_l("At least one place."))])
    reason = StringField(_l("Reason (public, no names)"), validators=[
        DataRequired(_l("Please give a reason.")), Length(max=300, message=_l("The reason is too long."))])


class _ReasonForm(FlaskForm):
    REASONS: dict = {}
    reason = SelectField(_l("Reason"), validators=[DataRequired(_l("Choose a reason."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=1000, message=_l("The note is too long."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(code, label) for code, label in self.REASONS.items()]

    def validate_note(self, field):
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Explain the reason in the note."))

    def public_reason(self) -> str:
        """The reason as the audit feed shows it: the code of the list, the same in every language."""
        return self.reason.data


class RejectForm(_ReasonForm):
    REASONS = REJECT_REASONS


class NoShowForm(_ReasonForm):
    REASONS = NO_SHOW_REASONS


class ExtendForm(_ReasonForm):
    REASONS = EXTEND_REASONS
    until = DateField(_l("New last day for the contract"), validators=[
        InputRequired(_l("Enter a date."))], format="%Y-%m-%d")
