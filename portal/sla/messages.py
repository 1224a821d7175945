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
    app.jinja_env.globals.update(deadline_label=deadline_label, pause_reasons=PAUSE_REASONS,
                                 explain_finding=explain_finding, risk_flag_labels=RISK_FLAG_LABELS)


# The grading rules' sentences (portal.sla.grading.EXPLANATIONS), translatable.
FINDINGS = {
    "finding_repeat": _l("The same problem was complained about again after it was closed"),
    "finding_outside_support": _l("Handling needs outside support"),
    "finding_cluster": _l("%(complainants)s different complainants about the same category within "
                          "%(window_days)s days (threshold %(threshold)s)"),
    "finding_collective": _l("A collective complaint by %(complainants)s people (threshold %(threshold)s)"),
    "finding_unresolved": _l("Unresolved for %(days)s days for reasons on our side (limit %(threshold)s days)"),
    "finding_risk_flag": _l("Marked by staff: %(flags)s"),
    "finding_keywords": _l("Words in the complaint: %(keywords)s"),
    "finding_crisis": _l("Harm (%(harm)s) and the customer claims compensation or went outside (%(claim)s)"),
    "finding_batch": _l("%(reports)s of %(batch_size)s in batch %(batch)s reported the same problem "
                        "(%(percent)s%%, threshold %(threshold_percent)s%%)"),
}
FLAG_LABELS = {"crisis": _l("crisis event"), "hq_report": _l("written report to HQ"),
               "batch_incident": _l("batch quality incident")}


def explain_finding(data: dict) -> str:
    """One stored finding (Finding.as_data()) as a sentence in the reader's language."""
    from ..complaints.messages import GRADE_LABELS
    from .grading import Finding
    finding = Finding(rule=data["rule"], grade=data.get("grade"), flags=frozenset(data.get("flags", ())),
                      figures=data.get("figures", {}))
    message_id, params = finding.explain()
    outcome = ([str(GRADE_LABELS.get(finding.grade, finding.grade))] if finding.grade else []) + [
        str(FLAG_LABELS.get(f, f)) for f in sorted(finding.flags)]
    return f"{FINDINGS[message_id] % params}: {', '.join(outcome)}"

RISK_FLAG_LABELS = {
    "lawsuit_filed": _l("Lawsuit filed"), "media_exposed": _l("Exposed by the media"),
    "lawsuit_risk": _l("May lead to a lawsuit"), "media_risk": _l("May reach the media"),
    "consumer_association": _l("Consumer association / 12315 / regulator"), "injury": _l("Injury"),
    "property_loss": _l("Property loss"), "safety": _l("Safety risk"), "fraud": _l("Fraud"),
    "abuse": _l("Abusive behaviour"), "compensation_claimed": _l("Claims compensation"),
    "airbag": _l("Airbag"), "corrosion": _l("Rapid corrosion"), "death": _l("Death"),
}
GRADE_PROBLEMS = {
    "unknown_grade": _l("Choose a grade from the list."), "not_a_downgrade": _l("That is not a lower grade."),
    "required": _l("Give the reason."), "approver_not_allowed_for_grade":
        _l("Only someone who approves plans of the current grade may lower it (major: headquarters)."),
    "not_an_upgrade": _l("That is not a higher grade."),
}
