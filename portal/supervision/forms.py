"""Forms of the supervision area: issue an order, report progress, waive a milestone."""
from flask_babel import lazy_gettext as _l
from wtforms import (DateField, FieldList, FormField, HiddenField, IntegerField, MultipleFileField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import Form


class MilestoneRow(PlainForm):
    """One agreed milestone: what, by when (a local date, and a time or the end of business), who."""

    title = StringField(_l("What"), validators=[Optional(), Length(max=200)])
    due_date = DateField(_l("Due on"), validators=[Optional()])
    due_time = TimeField(_l("at"), validators=[Optional()])
    owner = SelectField(_l("Who"), coerce=int, validate_choice=False, default=0)

    @property
    def blank(self) -> bool:
        return not (self.title.data or "").strip() and self.due_date.data is None


class IssueForm(Form):
    """A supervision order to the responsible department."""

    department = SelectField(_l("Responsible department"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Why it is supervised"), validators=[DataRequired(), Length(max=2000)])
    cc = SelectMultipleField(_l("Copy to"), coerce=int, validate_choice=False)
    follow_up_days = IntegerField(_l("Customer service follows up every (working days)"), default=1,
                                  validators=[InputRequired(), NumberRange(min=1, max=30)])
    milestones = FieldList(FormField(MilestoneRow), min_entries=3, max_entries=10)


class ProgressForm(Form):
    """Progress against the order (text and files); copied to the department's leader."""

    body = TextAreaField(_l("Progress"), validators=[DataRequired(), Length(max=5000)])
    milestone = SelectField(_l("Milestone"), coerce=int, validate_choice=False, default=0)
    attachments = MultipleFileField(_l("Photos, documents, recordings"))


class FollowUpForm(Form):
    body = TextAreaField(_l("Follow-up"), validators=[DataRequired(), Length(max=5000)])


class WaiveForm(Form):
    reason = StringField(_l("Why it is waived"), validators=[DataRequired(), Length(max=500)])


class CloseForm(Form):
    version = HiddenField()
