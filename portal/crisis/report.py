"""The mandatory written report to HQ (重大抱怨书面报告): submitted once, and a guard on closing.

A complaint flagged `report_required` (airbag, corrosion, casualty; consumer association or
media) cannot close, through any door, until its report went to headquarters.
"""
from .. import events
from ..complaints import hooks
from ..db import atomic
from ..events import EventKind
from . import rules
from .actions import CrisisError, _send, hq_admins
from .models import HqReport


def report_for(complaint) -> HqReport | None:
    return HqReport.select().where(HqReport.complaint == complaint.id).first()


def submit(complaint, actor, matters, facts: str, measures: str) -> HqReport:
    """Send the written report to HQ; every HQ admin of the network is told at once."""
    matters = sorted(set(matters or []))
    problems = rules.report_problems(matters, facts, measures)
    if problems:
        raise CrisisError(problems)
    with atomic():
        if report_for(complaint) is not None:
            raise CrisisError({"__all__": "report_already_submitted"})
        report = HqReport.create(tenant=complaint.tenant_id, complaint=complaint.id, matters=" ".join(matters),
                                 facts=facts.strip(), measures=measures.strip(), submitted_by=actor)
        events.record(EventKind.HQ_REPORT_SUBMITTED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"report": report.id, "matters": matters})
        _send(hq_admins(complaint.tenant_id), "hq_report_submitted", None, complaint, actor, report=report)
    return report


def before_close(complaint, step, data) -> dict:
    """The one guard: no closing while a required report is missing."""
    if not complaint.report_required:
        return {}
    return rules.close_blocked(True, report_for(complaint) is not None)


hooks.BEFORE_CLOSE.append(before_close)
