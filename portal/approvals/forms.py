"""Forms of the approvals area: a decision, and a delegation while away."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import Form, options


class DecisionForm(Form):
    """Approve or reject; a rejection carries the reason."""

    decision = RadioField(_l("Decision"), choices=options({"approve": _l("Approve"), "reject": _l("Reject")}),
                          validators=[InputRequired(message=_l("Choose approve or reject."))])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    version = HiddenField()
    back = HiddenField()  # "complaint" when decided from the complaint page


class DelegationForm(Form):
    """Who decides my approvals while I am away, from the first day to the last (both included)."""

    delegate = SelectField(_l("Colleague who decides for me"), coerce=int, validators=[InputRequired()])
    starts = DateField(_l("First day away"), validators=[DataRequired()])
    ends = DateField(_l("Last day away"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
