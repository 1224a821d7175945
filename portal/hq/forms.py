"""Headquarters forms: dispatch, comments and requests on complaints, work-order answers, tenants."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, FloatField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp

from ..complaints.forms import CHANNEL_LABELS, IntakeForm
from ..forms import Form, options
from .rules import SOURCES

REASON = [DataRequired(message=_l("Give the reason.")), Length(max=2000)]


class DispatchForm(IntakeForm):
    """A complaint HQ received, and the tenant that must handle it (投诉工单)."""

    channel = None  # always "HQ dispatch" in the tenant's register
    attachments = None
    batch_key = None
    tenant = SelectField(_l("Dispatch to"), coerce=int, validators=[InputRequired()])
    source = SelectField(_l("Received by headquarters via"), choices=options((s, CHANNEL_LABELS[s]) for s in SOURCES))
    category = SelectField(_l("Category"), default="", validate_choice=False)
    response_hours = FloatField(_l("First response to headquarters within (hours)"),
                                validators=[InputRequired(), NumberRange(min=0.5, max=720)])

    def validate_category(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            from wtforms.validators import ValidationError
            raise ValidationError(_l("Choose a category from the list."))


class RedirectForm(Form):
    version = HiddenField()
    tenant = SelectField(_l("Redirect to"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Why it goes to another tenant"), validators=REASON)


class AcceptForm(Form):
    version = HiddenField()
    note = TextAreaField(_l("Response to headquarters"), validators=[Optional(), Length(max=2000)])


class ReturnForm(Form):
    version = HiddenField()
    reason = TextAreaField(_l("Why this work order is not ours"), validators=REASON)


class CommentForm(Form):
    body = TextAreaField(_l("Comment from headquarters (the tenant sees it; the customer does not)"),
                         validators=[DataRequired(), Length(max=5000)])


class GradeForm(Form):
    grade = SelectField(_l("Grade"))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason"), validators=REASON)


class ReviewForm(Form):
    note = TextAreaField(_l("Note on the report"), validators=[Optional(), Length(max=2000)])


SLUG = Regexp(r"^[a-z0-9][a-z0-9-]{1,38}$", message=_l("Lower-case letters, digits and hyphens (2 to 40)."))


class TenantForm(Form):
    """A new tenant of the network and its first administrator."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Web address (/t/...)"), validators=[DataRequired(), SLUG])
    code = StringField(_l("Short code in complaint numbers"),
                       validators=[DataRequired(), Regexp(r"^[A-Z0-9]{2,12}$", message=_l("2 to 12 capital letters or digits."))])
    kind = SelectField(_l("Kind"), choices=options({"dealer": _l("Dealer / repair station"),
                                                    "property": _l("Property project company")}))
    timezone = SelectField(_l("Time zone"), choices=options((zone, zone) for zone in (
        "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Urumqi")))
    admin_name = StringField(_l("Administrator's name"), validators=[DataRequired(), Length(max=80)])
    admin_email = EmailField(_l("Administrator's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    admin_password = PasswordField(_l("Initial password (not needed for someone who already has an account)"),
                                   validators=[Optional(), Length(max=200)])


class SuspendForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


def decision_form(approval, formdata=None):
    """The approvals area's decision form, for one approval in HQ's inbox (prefixed: many on one page)."""
    from ..approvals.forms import DecisionForm
    return DecisionForm(formdata=formdata, version=approval.version, prefix=f"a{approval.id}")


def answer_form(row, formdata=None):
    from ..support.forms import AnswerForm
    return AnswerForm(formdata=formdata, prefix=f"s{row.id}")
