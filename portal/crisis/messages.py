"""Translated words of crisis handling and the written report; registers labels and refusal reasons."""
from flask_babel import lazy_gettext as _l

from ..complaints import messages as complaint_messages

PROBLEMS = {
    "only_leader_speaks": _l("Only the crisis team leader, or the person the leader named, may record an "
                             "external statement."),
    "only_team_managers_contact": _l("Only the team leader, the executive leader or the named spokesperson "
                                     "records the contact with the customer or the media."),
    "executive_is_leader": _l("The executive leader must be someone other than the leader."),
    "crisis_changed": _l("Someone else changed the crisis file meanwhile. The page shows its current state."),
    "only_leader_names": _l("Only the crisis team leader names the spokesperson."),
    "no_approved_plan": _l("There is no approved plan to adjust yet."),
    "choose_matters": _l("Tick what the report is about."),
    "report_already_submitted": _l("The written report was already sent to headquarters."),
    "hq_report_missing": _l("A written report to headquarters is required (airbag, corrosion, casualty, consumer "
                            "association or media) and has not been submitted: submit it before closing."),
    "not_permitted": _l("Your role does not allow this action."),
}
AUDIENCES = {"customer": _l("Customer"), "media": _l("Media"), "consumer_association": _l("Consumer association"),
             "regulator": _l("Regulator")}
STATEMENT_KINDS = {"contact": _l("Contact with the customer or media"), "statement": _l("External statement")}
PLAN_STATUS = {"pending": _l("Waiting for approval"), "approved": _l("Approved"), "rejected": _l("Rejected"),
               "withdrawn": _l("Replaced")}
MATTERS = {"airbag": _l("Airbag"), "corrosion": _l("Rapid corrosion"), "injury": _l("Injury"),
           "death": _l("Death"), "consumer_association": _l("Consumer association / 12315"), "media": _l("Media")}

complaint_messages.PROBLEMS.setdefault("hq_report_missing", PROBLEMS["hq_report_missing"])
complaint_messages.EVENT_LABELS.update({
    "crisis.declared": _l("Crisis declared"), "crisis.team": _l("Crisis team"),
    "crisis.plan": _l("Crisis plan submitted"),
    "crisis.statement": _l("Crisis: contact or statement"), "crisis.unsatisfied": _l("Crisis: customer not satisfied"),
    "crisis.legal": _l("Crisis: sent to legal"), "crisis.case": _l("Crisis case written"),
    "hq_report.submitted": _l("Written report sent to HQ"),
})


def problem_text(code: str):
    return PROBLEMS.get(code, complaint_messages.problem_text(code))
