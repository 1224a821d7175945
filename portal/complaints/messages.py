"""Translated words for the complaint register: refusal reasons, step and status labels."""
from flask_babel import lazy_gettext as _l

from .rules import Move, Status

PROBLEMS = {
    "required": _l("This field is required."),
    "wrong_step": _l("This complaint is not at the step for this action any more. The page shows its current state."),
    "wrong_kind": _l("This action is not available for this kind of entry."),
    "not_permitted": _l("Your role does not allow this action."),
    "customer_not_told": _l("Tell the customer before closing."),
    "invalid_choice": _l("Choose one of the listed values."),
    "same_complaint": _l("A complaint cannot be linked to itself."),
    "cannot_merge_into": _l("This complaint cannot be merged into that one."),
    "unknown_complaint": _l("No complaint with this number in your workspace."),
    "unknown_choice": _l("Choose from the list."),
    "unknown_move": _l("Unknown action."),
}

STATUS_LABELS = {
    Status.RECEIVED: _l("Received"), Status.INVESTIGATING: _l("Investigating"),
    Status.TRANSFERRED: _l("With the department"), Status.PLAN_PROPOSED: _l("Plan proposed"),
    Status.IMPLEMENTING: _l("Implementing"), Status.REVISIT_PENDING: _l("Revisit pending"),
    Status.CLOSED: _l("Closed"), Status.CLOSED_INVALID: _l("Closed: not valid"),
    Status.ANSWERED: _l("Answered"), Status.MERGED: _l("Merged"),
    Status.RETURNED: _l("Closed: returned to headquarters"),
    Status.REDIRECTED: _l("Closed: passed to another company"),
}

CUSTOMER_STEP_LABELS = {
    "received": _l("We have received your complaint"),
    "being_investigated": _l("Being investigated"),
    "being_handled": _l("Being handled by the responsible department"),
    "solution_proposed": _l("Solution proposed: waiting for your answer"),
    "solution_being_carried_out": _l("The agreed solution is being carried out"),
    "waiting_for_your_feedback": _l("Done: we will ask for your feedback"),
    "closed": _l("Closed"),
    "closed_after_investigation": _l("Closed after investigation"),
    "answered": _l("Answered"),
    "merged": _l("Merged with another complaint"),
    "returned_to_headquarters": _l("Sent back to headquarters' customer service: they will pass your complaint "
                                   "to the company that handles it and tell you its new number"),
    "passed_to_another_company": _l("Passed to another company, which handles it from now on"),
}

MOVE_LABELS = {
    Move.START_INVESTIGATION: _l("Start investigation"), Move.CLOSE_INVALID: _l("Close as not valid"),
    Move.TRANSFER: _l("Transfer to a department"), Move.PROPOSE_PLAN: _l("Propose a plan"),
    Move.CUSTOMER_RESPONSE: _l("Record the customer's answer"), Move.IMPLEMENT: _l("Mark implemented"),
    Move.REVISIT: _l("Record the revisit"), Move.ANSWER: _l("Answer and close"),
    Move.CONVERT: _l("Convert into a complaint"), Move.REOPEN: _l("Reopen"),
    Move.RETURN_TO_HQ: _l("Return to headquarters"), Move.REDIRECT: _l("Redirect to another company"),
}

GRADE_LABELS = {"general": _l("General"), "important": _l("Important"), "hot": _l("Hot"), "major": _l("Major")}

EVENT_LABELS = {
    "complaint.received": _l("Logged in the register"), "complaint.moved": _l("Step taken"),
    "complaint.assigned": _l("Assigned"), "complaint.edited": _l("Register corrected"),
    "note.added": _l("Note"), "attachment.added": _l("Attachment"), "complaint.linked": _l("Linked"),
    "complaint.merged": _l("Merged"), "complaint.converted": _l("Converted"),
    "clock.paused": _l("Deadlines paused"), "clock.resumed": _l("Deadlines resumed"),
    "deadline.due_soon": _l("Deadline near: handler warned"), "deadline.overdue": _l("Deadline passed"),
    "grade.raised": _l("Grade raised"), "grade.lowered": _l("Grade lowered"), "flags.changed": _l("Flags changed"),
    "complaint.urged": _l("Customer urged (催办)"), "status.link_reissued": _l("Customer link re-issued"),
    "status.link_sent": _l("Customer link sent by e-mail"),
}


def problem_text(code: str):
    return PROBLEMS.get(code, code)
