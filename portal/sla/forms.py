"""Settings forms: deadlines and the business calendar."""
import datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form, options


def _days(label, low=1, high=365):
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=low, max=high)])


class DeadlinesForm(Form):
    version = HiddenField()
    handover_hours = _days(_l("Handler receives the complaint within (working hours)"), 1, 240)
    reply_days = _days(_l("Reply promised within (working days)"))
    plan_days = _days(_l("Department's plan within (working days)"))
    revisit_days = _days(_l("Revisit within (working days after implementation)"))
    revisit_crisis_days = _days(_l("Crisis revisit within (days)"))
    completion_days = _days(_l("Completion within (working days)"))
    crisis_plan_hours = _days(_l("Crisis plan within (hours)"), 1, 720)
    crisis_contact_hours = _days(_l("Contact after approval within (hours)"), 1, 720)
    crisis_adjust_hours = _days(_l("Plan adjustment within (hours)"), 1, 720)
    case_writeup_days = _days(_l("Crisis case written up within (days)"))
    warn_hours = _days(_l("Warn the handler this many working hours before a deadline"), 0, 240)
    pause_allowed = BooleanField(_l("Deadlines may pause while waiting for the customer or an outside party"))


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


WEEKDAYS = [(0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
            (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday"))]


def parse_dates(text: str) -> list[str]:
    """One date per line (YYYY-MM-DD); raises ValueError naming the first bad line."""
    dates = []
    for line in (text or "").split():
        try:
            dates.append(datetime.date.fromisoformat(line.strip()).isoformat())
        except ValueError:
            raise ValueError(line) from None
    return sorted(set(dates))


class DateList(TextAreaField):
    def pre_validate(self, form):
        try:
            parse_dates(self.data)
        except ValueError as err:
            raise ValidationError(_l("Not a date (YYYY-MM-DD): %(line)s", line=str(err))) from None


class CalendarForm(Form):
    version = HiddenField()
    region = SelectField(_l("Public holidays"), choices=options({"CN": _l("Mainland China"), "HK": _l("Hong Kong"),
                                                                  "": _l("None (weekdays only)")}))
    work_start = TimeField(_l("Working day starts"), validators=[InputRequired()])
    work_end = TimeField(_l("Working day ends"), validators=[InputRequired()])
    lunch_start = TimeField(_l("Lunch break starts"), validators=[Optional()])
    lunch_end = TimeField(_l("Lunch break ends"), validators=[Optional()])
    weekdays = MultiCheckbox(_l("Working weekdays"), choices=options(WEEKDAYS), coerce=int)
    extra_closed = DateList(_l("Extra closure days (one date per line)"))
    extra_working = DateList(_l("Extra working days (one date per line)"))

    def validate_work_end(self, field):
        if self.work_start.data and field.data and field.data <= self.work_start.data:
            raise ValidationError(_l("The working day must end after it starts."))

    def validate_lunch_end(self, field):
        start, end = self.lunch_start.data, field.data
        if bool(start) != bool(end):
            raise ValidationError(_l("Give both ends of the lunch break, or neither."))
        if start and end and not (self.work_start.data < start < end < self.work_end.data):
            raise ValidationError(_l("The lunch break must lie inside the working day."))

    def validate_weekdays(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one working weekday."))
