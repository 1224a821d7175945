"""The customer's forms on the status page, the lookup form, and the staff's link forms."""
import secrets

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, HiddenField, IntegerField, MultipleFileField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..complaints.forms import PHONE, SATISFACTION_LABELS
from ..forms import Form, options
from ..i18n import LANGUAGES
from .rules import COMMENT_MAX_CHARS, INFO_MAX_CHARS


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


class CustomerForm(Form):
    """A customer form: its one-time nonce makes a second submission of the same form count once."""

    # Labelled, though never shown: for a field without a label WTForms translates "Nonce", and flask-wtf
    # reads WTForms' message catalogue from disk for it on every request.
    nonce = HiddenField(label="", validators=[DataRequired(), Length(min=16, max=48)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if kwargs.get("formdata", "") is None:  # a blank form to show: give it its nonce
            self.nonce.data = new_nonce()


class InfoForm(CustomerForm):
    text = TextAreaField(_l("Your message"), validators=[Optional(), Length(max=INFO_MAX_CHARS)])
    photos = MultipleFileField(_l("Photos or documents"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.text.data or "").strip() and not any(f and f.filename for f in self.photos.data or []):
            self.text.errors = list(self.text.errors) + [_l("Write a message or choose a photo.")]
            return False
        return ok


class AnswerForm(CustomerForm):
    plan = HiddenField(validators=[DataRequired()])
    answer = HiddenField(validators=[AnyOf(["accept", "reject"], message=_l("Choose accept or reject."))])
    opinion = TextAreaField(_l("Your comment"), validators=[Optional(), Length(max=COMMENT_MAX_CHARS)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.answer.data == "reject" and not (self.opinion.data or "").strip():
            self.opinion.errors = list(self.opinion.errors) + [_l("Please tell us why you do not accept it.")]
            return False
        return ok

    def plan_id(self) -> int:
        return int(self.plan.data) if str(self.plan.data or "").isdigit() else 0


class SurveyForm(CustomerForm):
    satisfaction = RadioField(_l("How satisfied are you with how we handled your complaint?"),
                              choices=options(SATISFACTION_LABELS),
                              validators=[InputRequired(_l("Choose one answer."))])
    comment = TextAreaField(_l("Anything else you would like to tell us?"),
                            validators=[Optional(), Length(max=COMMENT_MAX_CHARS)])


class UrgeForm(Form):
    """催办: no fields; at most once per working day, however often it is sent."""


class LanguageForm(Form):
    lang = SelectField(_l("Language"), choices=options(LANGUAGES))


class LookupForm(Form):
    number = StringField(_l("Complaint number"), validators=[DataRequired(), Length(max=32)],
                         description=_l("As printed on your receipt, e.g. SH01-202501-0001"))
    phone = StringField(_l("Your phone number"), validators=[DataRequired(), PHONE])


class SendLinkForm(Form):
    locale = SelectField(_l("Language of the mail"), choices=options(LANGUAGES))


class LinkSettingsForm(Form):
    version = HiddenField()
    expiry_days = IntegerField(_l("Days the link keeps working after the complaint is closed"),
                               validators=[InputRequired(), NumberRange(min=0, max=3650)])
    contact_phone = StringField(_l("Contact phone shown to customers"), validators=[Optional(), Length(max=40)])
    contact_email = EmailField(_l("Contact e-mail shown to customers"),
                               validators=[Optional(), Email(), Length(max=254)])
    contact_address = StringField(_l("Address shown to customers"), validators=[Optional(), Length(max=200)])
    contact_hours = StringField(_l("Opening hours shown to customers"), validators=[Optional(), Length(max=100)])
    show_staff_names = BooleanField(_l("Show customers the names of the staff who took each step"))
