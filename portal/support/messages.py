"""Translated words of support requests."""
from flask_babel import lazy_gettext as _l

from ..complaints import messages as complaint_messages

PROBLEMS = {
    "at_least_one_part": _l("Name at least one part: part name, part number and quantity."),
    "too_many_lines": _l("A parts request has at most %(max)d lines; this one has %(count)d. "
                         "Send the rest in a second request."),
    "line_field_required": _l("Line %(line)d: part name and part number are both needed."),
    "quantity_positive": _l("Line %(line)d: the quantity must be a whole number greater than 0."),
    "describe_the_problem": _l("Describe the technical problem for technical support."),
    "already_answered": _l("This request was already answered."),
    "required": _l("This field is required."),
    "invalid_choice": _l("Choose one of the listed values."),
}
KINDS = {"parts": _l("Parts centre"), "technical": _l("Technical support")}
STATUS = {"open": _l("Waiting"), "answered": _l("Answered")}
complaint_messages.EVENT_LABELS.update({"support.requested": _l("Support requested"),
                                         "support.answered": _l("Support answered")})


def problem_text(code: str, values: dict | None = None) -> str:
    message = PROBLEMS.get(code)
    return str(message % values if values else message) if message else str(complaint_messages.problem_text(code))
