"""Revisit forms: the call (script, checklist, satisfaction) and the checklist settings."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..complaints.forms import SATISFACTION_LABELS
from ..forms import Form, options
from .messages import ANSWER_TYPE_LABELS, SECTION_LABELS, YES_NO
from .rules import COMMENT_MAX, MAX_ATTEMPTS_PER_CALL, SCALE, TEXT_MAX, AnswerType

REACHED = options({"yes": _l("Reached the customer"), "no": _l("Not reached (no answer, switched off, wrong number)")})


class RevisitForm(Form):
    """One call; the checklist's questions are added per template by `revisit_form`."""

    version = HiddenField()
    template_version = HiddenField()
    reached = RadioField(_l("Call result"), choices=REACHED, validators=[InputRequired(_l("Choose the call result."))])
    attempts = IntegerField(_l("Calls made this time"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=MAX_ATTEMPTS_PER_CALL)])
    satisfaction = RadioField(_l("Satisfaction"), choices=options(SATISFACTION_LABELS), validators=[Optional()])
    comment = TextAreaField(_l("The customer's words"), validators=[Optional(), Length(max=COMMENT_MAX)],
                            description=_l("Goes back to the responsible department with the result."))


def _question(item):
    if item.answer_type == AnswerType.YES_NO:
        return RadioField(item.text, choices=options(YES_NO), validators=[Optional()])
    if item.answer_type == AnswerType.SCALE:
        return RadioField(item.text, choices=options((str(n), str(n)) for n in SCALE), validators=[Optional()])
    return TextAreaField(item.text, validators=[Optional(), Length(max=TEXT_MAX)])


def revisit_form(items, bound: bool = True, **data):
    """The call form for these checklist items: one field `item_<id>` per question.

    Bound forms read what was posted; an unbound one (after a save) starts empty.
    """
    fields = {f"item_{item.id}": _question(item) for item in items}
    form_class = type("TemplateRevisitForm", (RevisitForm,), fields)
    return form_class(**data) if bound else form_class(formdata=None, **data)


class ItemForm(Form):
    """Add or edit one question of the checklist (one per row, so each has a prefix; the app checks CSRF)."""

    class Meta:
        csrf = False  # CSRFProtect checks every POST; the page carries one plain csrf_token per form

    text = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    required = BooleanField(_l("Must be answered"))
    answer_type = SelectField(_l("Answer"), choices=options(ANSWER_TYPE_LABELS))


class AddItemForm(ItemForm):
    """A new question, added at the end of its section."""

    section = SelectField(_l("Section"), choices=options(SECTION_LABELS))


class RevisitSettingsForm(Form):
    version = HiddenField()
    max_unreachable = IntegerField(_l("Give up after this many unreachable calls (the department leader is told)"),
                                   validators=[InputRequired(), NumberRange(min=1, max=20)])
    retry_working_hours = IntegerField(_l("Call again after (working hours)"),
                                       validators=[InputRequired(), NumberRange(min=1, max=80)])
