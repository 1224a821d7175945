"""Forms of support requests: a parts or technical request, and its answer."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FieldList, FormField, IntegerField, MultipleFileField, RadioField, StringField,
                     TextAreaField)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form, options
from .messages import KINDS


class LineRow(PlainForm):
    part_name = StringField(_l("Part name"), validators=[Optional(), Length(max=120)])
    part_number = StringField(_l("Part number"), validators=[Optional(), Length(max=60)])
    quantity = IntegerField(_l("Quantity"), validators=[Optional()])


class RequestForm(Form):
    kind = RadioField(_l("Ask"), choices=options(KINDS), default="parts")
    description = TextAreaField(_l("What is needed, or the technical problem"),
                                validators=[Optional(), Length(max=5000)])
    lines = FieldList(FormField(LineRow), min_entries=6)
    attachments = MultipleFileField(_l("Photos, documents, recordings"))

    def line_data(self) -> list[dict]:
        return [entry.form.data for entry in self.lines.entries]


class AnswerForm(Form):
    answer = TextAreaField(_l("Answer (part arrived, guidance received)"),
                           validators=[DataRequired(), Length(max=5000)])
    tell_customer = BooleanField(_l("Tell the customer on their status page"))
