"""The case form: five sections, classification and tags."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..complaints.messages import GRADE_LABELS
from ..forms import Form, options

SECTION_LABELS = {"scenario": _l("Scenario (情景回放)"), "cause": _l("Cause analysis (原因分析)"),
                  "practice": _l("Correct practice (正确做法)"), "handling": _l("Complaint handling (投诉处理)"),
                  "improvements": _l("Improvement measures (改进措施)")}


def _section(name, required=False):
    return TextAreaField(SECTION_LABELS[name], validators=[DataRequired() if required else Optional(),
                                                           Length(max=20000)])


class CaseForm(Form):
    """A case in the library; the customer's name, phone and e-mail are masked when it is saved."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), coerce=int, default=0)
    grade = SelectField(_l("Grade"), choices=options(GRADE_LABELS), default="general")
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=200)],
                       description=_l("Separated by spaces or commas, e.g. 配件 技术支持 等待"))
    scenario = _section("scenario", required=True)
    cause = _section("cause", required=True)
    practice = _section("practice", required=True)
    handling = _section("handling", required=True)
    improvements = _section("improvements", required=True)
    version = HiddenField(default="0")


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
