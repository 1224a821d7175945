"""Forms of the complaint register: intake, the step forms, notes, assignment, links."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, HiddenField, IntegerField, MultipleFileField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp,
                                ValidationError)

from ..forms import Form, options
from .rules import SATISFACTION, TRANSITIONS, Channel, Kind, Move

KIND_LABELS = {Kind.COMPLAINT: _l("Complaint"), Kind.INQUIRY: _l("Inquiry"), Kind.REPAIR: _l("Repair request")}
CHANNEL_LABELS = {
    Channel.PHONE: _l("Phone"), Channel.LETTER: _l("Letter"), Channel.FAX: _l("Fax"),
    Channel.WALK_IN: _l("Walk-in"), Channel.EMAIL: _l("E-mail"), Channel.WEB: _l("Web form"),
    Channel.HQ_DISPATCH: _l("HQ dispatch"), Channel.CONSUMER_ASSOCIATION: _l("Consumer association (12315)"),
    Channel.MEDIA: _l("Media"), Channel.OTHER: _l("Other"),
}
SATISFACTION_LABELS = {"very_satisfied": _l("Very satisfied"), "satisfied": _l("Satisfied"),
                       "neutral": _l("Neutral"), "dissatisfied": _l("Dissatisfied"),
                       "very_dissatisfied": _l("Very dissatisfied")}
TOLD_VIA = [("phone", _l("Phone")), ("sms", _l("Text message")), ("letter", _l("Letter")),
            ("in_person", _l("In person")), ("email", _l("E-mail"))]
PHONE = Regexp(r"^\+?[\d\s\-()]{7,24}$", message=_l("Enter a phone number of 7 to 20 digits."))
TEXT_MAX = Length(max=5000, message=_l("At most %(max)d characters."))


class IntakeForm(Form):
    """The register entry (客户投诉登记): everything step 1 must record."""

    intake_key = HiddenField()
    kind = SelectField(_l("Kind"), choices=options(KIND_LABELS), default=Kind.COMPLAINT)
    channel = SelectField(_l("Channel"), choices=options(CHANNEL_LABELS), default=Channel.PHONE)
    customer_name = StringField(_l("Customer name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), PHONE])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    category = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    vehicle_model = StringField(_l("Vehicle model"), validators=[Optional(), Length(max=80)])
    plate = StringField(_l("Plate number"), validators=[Optional(), Length(max=20)])
    vin = StringField(_l("VIN"), validators=[Optional(), Regexp(r"^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$",
                                                                 message=_l("A VIN has 17 letters and digits."))])
    mileage = IntegerField(_l("Mileage (km)"), validators=[Optional(), NumberRange(min=0, max=5_000_000)])
    project = StringField(_l("Project"), validators=[Optional(), Length(max=80)])
    building = StringField(_l("Building"), validators=[Optional(), Length(max=40)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])
    description = TextAreaField(_l("What happened"), validators=[DataRequired(), TEXT_MAX])
    customer_request = TextAreaField(_l("What the customer asks for"), validators=[Optional(), TEXT_MAX])
    batch_key = SelectField(_l("Batch / building phase"), default="", validate_choice=False)
    complainants = IntegerField(_l("Number of complainants"), default=1,
                                validators=[InputRequired(), NumberRange(min=1, max=100000)])
    vip = BooleanField(_l("VIP customer"))
    attachments = MultipleFileField(_l("Photos, documents, recordings"))

    def validate_batch_key(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a batch from the list."))

    def validate_category(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a category from the list."))


def _text(label, required=True, max_len=5000):
    validators = [DataRequired()] if required else [Optional()]
    return TextAreaField(label, validators=validators + [Length(max=max_len)])


class StepForm(Form):
    version = HiddenField()


def _step(name, **fields):
    return type(name, (StepForm,), fields)


STEP_FORMS = {
    Move.START_INVESTIGATION: _step("StartInvestigationForm"),
    Move.CLOSE_INVALID: _step(
        "CloseInvalidForm", findings=_text(_l("Investigation findings")),
        opinion_told_via=SelectField(_l("How the customer was told"), choices=options(TOLD_VIA)),
        customer_told=BooleanField(_l("The customer has been told the investigation opinion"),
                                   validators=[DataRequired(_l("Tell the customer before closing."))])),
    Move.TRANSFER: _step(
        "TransferForm", findings=_text(_l("Investigation findings")),
        department=SelectField(_l("Responsible department"), coerce=int, validators=[InputRequired()]),
        assignee=SelectField(_l("Handler"), coerce=int, default=0),
        instructions=_text(_l("Transfer slip: what the department must do"))),
    Move.PROPOSE_PLAN: _step("PlanForm", cause=_text(_l("Cause analysis (internal)")),
                             solution=_text(_l("Solution put to the customer"))),
    Move.CUSTOMER_RESPONSE: _step(
        "CustomerResponseForm",
        agreed=RadioField(_l("Customer's answer"), choices=options({"yes": _l("Agrees"), "no": _l("Does not agree")}),
                          validators=[InputRequired(_l("Choose the customer's answer."))]),
        opinion=_text(_l("Customer's opinion"))),
    Move.IMPLEMENT: _step("ImplementForm", summary=_text(_l("What was done"))),
    Move.REVISIT: _step(
        "RevisitForm", satisfaction=RadioField(_l("Satisfaction"), choices=options(SATISFACTION_LABELS),
                                               validators=[InputRequired(_l("Choose a satisfaction level."))]),
        comment=_text(_l("Customer's words"), required=False)),
    Move.ANSWER: _step("AnswerForm", answer=_text(_l("Answer given to the customer"))),
    Move.CONVERT: _step("ConvertForm", reason=_text(_l("Why this becomes a complaint"))),
    Move.REOPEN: _step("ReopenForm", reason=_text(_l("Why the case is reopened"))),
}
assert set(STEP_FORMS) == {m for m, t in TRANSITIONS.items() if not t.work_order} and all(v in SATISFACTION for v in SATISFACTION_LABELS)  # noqa: S101 - import-time table check


class NoteForm(Form):
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])
    public = BooleanField(_l("Publish to the customer"))


class AssignForm(Form):
    version = HiddenField()
    department = SelectField(_l("Responsible department"), coerce=int, default=0)
    assignee = SelectField(_l("Handler"), coerce=int, default=0)


class LinkForm(Form):
    version = HiddenField()
    other = StringField(_l("Other complaint number"), validators=[DataRequired(), Length(max=32)])
    kind = SelectField(_l("Relation"), choices=options({"related": _l("Related"), "repeat": _l("Repeat of"),
                                                        "merge": _l("Duplicate: merge into")}))
