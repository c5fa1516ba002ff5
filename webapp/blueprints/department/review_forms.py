"""Forms of privilege checks, the audit viewer and corrections. Their rules are the services'
rules; the forms only say what is missing or malformed, in the operator's language."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ...services.audit_viewer import ROLES
from ...web.labels import CLAIM_REJECTIONS

ACTOR_ROLES = {
    "parent": _l("parent"), "staff": _l("kindergarten staff"), "department": _l("education department"),
    "admin": _l("administrator"), "system": _l("Kezek (automatic)"),
}


class VerifyClaimForm(FlaskForm):
    seen = HiddenField()  # the claim's state on the page the operator saw
    valid_until = DateField(_l("Valid until"), format="%Y-%m-%d",
                            validators=[InputRequired(_l("Enter the last day the document is valid."))])

    def check_future(self, today):
        """The field's own rule needs the district's today, which only the route knows."""
        if self.valid_until.data is not None and self.valid_until.data < today:
            self.valid_until.errors = list(self.valid_until.errors) + [
                str(_l("The date has passed: enter a day from today on."))]
            return False
        return True


class RejectClaimForm(FlaskForm):
    seen = HiddenField()
    reason = SelectField(_l("Reason the parent sees"), validators=[DataRequired(_l("Choose a reason."))])
    note = TextAreaField(_l("Note for the parent"), validators=[
        Length(max=500, message=_l("The note is too long."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(code, label) for code, label in CLAIM_REJECTIONS.items()]

    def validate_note(self, field):
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Explain the reason in the note."))

    def stored_reason(self) -> str:
        """The code of the list, then the note on a line of its own (see web.labels.claim_rejection)."""
        note = (self.note.data or "").strip()
        return f"{self.reason.data}\n{note}" if note else self.reason.data


class EventFilterForm(FlaskForm):
    """The audit viewer's filters: a GET form (no token: it changes nothing)."""

    class Meta:
        csrf = False

    application = StringField(_l("Application number"), filters=[lambda v: (v or "").strip().upper()],
                              validators=[Optional(), Regexp(r"^[A-Z0-9]{1,8}-\d{4}-\d{1,9}$",
                                                             message=_l("Enter a number such as GM-2026-000123."))])
    kindergarten = SelectField(_l("Kindergarten"), validators=[Optional()])
    role = SelectField(_l("Who acted"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    since = DateField(_l("From"), format="%Y-%m-%d", validators=[Optional()])
    until = DateField(_l("To"), format="%Y-%m-%d", validators=[Optional()])
    before = IntegerField(validators=[Optional()])

    def __init__(self, kindergartens, actions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kindergarten.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(str(k.id), label) for k, label in kindergartens]
        self.role.choices = [SelectChoice("", _l("Anyone"))] + [
            SelectChoice(role, ACTOR_ROLES[role]) for role in ROLES]
        self.action.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(code, label) for code, label in actions.items()]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period is before its start."))


class CorrectionForm(FlaskForm):
    kind = RadioField(_l("Correction"), validators=[InputRequired(_l("Choose a correction."))])
    reason = TextAreaField(_l("Reason (public, no names)"), validators=[
        DataRequired(_l("Please give a reason.")), Length(max=300, message=_l("The reason is too long."))])

    def __init__(self, kinds, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kinds
