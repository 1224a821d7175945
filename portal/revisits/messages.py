"""Translated words for revisits: refusal reasons, statuses, outcomes, answer types."""
from flask_babel import lazy_gettext as _l

from ..complaints import messages as complaint_messages
from .rules import AnswerType, Outcome, Section, Source, TaskStatus

PROBLEMS = {
    "required": _l("This question must be answered."),
    "invalid_choice": _l("Choose one of the listed answers."),
    "too_long": _l("This answer is too long."),
    "attempts_out_of_range": _l("Enter the number of calls made, from 1 to 20."),
    "already_recorded": _l("This revisit has already been recorded. The page shows its result."),
    "wrong_step": _l("The complaint is not waiting for a revisit any more. The page shows its current state."),
    "not_permitted": _l("Your role does not allow this action."),
    "crisis_second_revisit": _l("A crisis complaint closes only after its second revisit: record the first one "
                                "in the revisit queue."),
    "out_of_range": _l("Enter a whole number in the allowed range."),
}
# The complaint page shows this refusal when its revisit step meets an open first crisis revisit.
complaint_messages.PROBLEMS.setdefault("crisis_second_revisit", PROBLEMS["crisis_second_revisit"])

STATUS_LABELS = {TaskStatus.OPEN: _l("To call"), TaskStatus.DONE: _l("Done"),
                 TaskStatus.UNREACHABLE: _l("Unreachable"), TaskStatus.CANCELLED: _l("Cancelled")}
OUTCOME_LABELS = {Outcome.CLOSED: _l("Closed: satisfied"), Outcome.REOPENED: _l("Reopened to the department"),
                  Outcome.SECOND_REVISIT: _l("Satisfied: second crisis revisit due")}
SOURCE_LABELS = {Source.REVISIT_FORM: _l("revisit call"), Source.COMPLAINT_PAGE: _l("complaint page"),
                 Source.CUSTOMER_LINK: _l("the customer's survey on the status link")}
ANSWER_TYPE_LABELS = {AnswerType.YES_NO: _l("Yes / no"), AnswerType.SCALE: _l("Scale 1–5"),
                      AnswerType.TEXT: _l("Text")}
SECTION_LABELS = {Section.SCRIPT: _l("Phone script"), Section.CHECKLIST: _l("Service checklist")}
SHOW_LABELS = {"open": _l("To do"), "due": _l("Due"), "overdue": _l("Overdue"), "unreachable": _l("Unreachable"),
               "done": _l("Done")}
YES_NO = {"yes": _l("Yes"), "no": _l("No")}


def answer_text(answer) -> str:
    """A stored answer in words: yes/no, "4 / 5", the text, or a dash when not answered."""
    if answer.value is None:
        return "—"
    if answer.answer_type == AnswerType.YES_NO:
        return str(YES_NO.get(answer.value, answer.value))
    if answer.answer_type == AnswerType.SCALE:
        return f"{answer.value} / 5"
    return answer.value


def problem_text(code: str):
    return PROBLEMS.get(code, complaint_messages.problem_text(code))
