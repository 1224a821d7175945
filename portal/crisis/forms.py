"""Forms of crisis handling and the written report to HQ."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form, options
from .messages import AUDIENCES, MATTERS, STATEMENT_KINDS


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DeclareForm(Form):
    summary = TextAreaField(_l("What makes it a crisis (harm, demands, who is involved outside)"),
                            validators=[DataRequired(), Length(max=5000)])


class TeamForm(Form):
    leader = SelectField(_l("Team leader"), coerce=int, validators=[InputRequired()])
    executive = SelectField(_l("Executive leader"), coerce=int, default=0)
    hq_participant = SelectField(_l("Headquarters participant"), coerce=int, default=0)
    members = Checkboxes(_l("Members"), coerce=int)
    version = HiddenField()


class SpokespersonForm(Form):
    spokesperson = SelectField(_l("May also speak for us outside"), coerce=int, default=0)


class PlanForm(Form):
    body = TextAreaField(_l("Plan"), validators=[DataRequired(), Length(max=10000)])


class StatementForm(Form):
    kind = SelectField(_l("What"), choices=options(STATEMENT_KINDS))
    audience = SelectField(_l("To"), choices=options(AUDIENCES))
    body = TextAreaField(_l("What was said"), validators=[DataRequired(), Length(max=5000)])


class NoteForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class CaseForm(Form):
    case_writeup = TextAreaField(_l("Case: scenario, cause, correct practice, handling, improvement"),
                                 validators=[DataRequired(), Length(max=20000)])


class ReportForm(Form):
    """The mandatory written report to headquarters."""

    matters = Checkboxes(_l("About"), choices=options(MATTERS))
    facts = TextAreaField(_l("What happened, who is affected, what the customer demands"),
                          validators=[DataRequired(), Length(max=10000)])
    measures = TextAreaField(_l("What we have done and will do"), validators=[DataRequired(), Length(max=10000)])
