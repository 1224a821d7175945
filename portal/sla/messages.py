"""Translated names of the clocks and pause reasons."""
from flask_babel import lazy_gettext as _l

DEADLINE_LABELS = {
    "handover": _l("Handler receives the complaint"), "reply": _l("Reply promised to the customer"),
    "plan": _l("Department's plan"), "revisit": _l("Revisit"), "completion": _l("Completion"),
    "crisis_plan": _l("Crisis plan"), "crisis_contact": _l("Contact after approval"),
    "crisis_adjust": _l("Plan adjustment"), "case_writeup": _l("Case write-up"),
}
PAUSE_REASONS = {"customer": _l("Waiting for the customer"), "parts": _l("Waiting for a part"),
                 "outside": _l("Waiting for an outside party")}


def deadline_label(kind: str):
    return DEADLINE_LABELS.get(kind, kind)


def init_app(app) -> None:
    app.jinja_env.globals.update(deadline_label=deadline_label, pause_reasons=PAUSE_REASONS)
