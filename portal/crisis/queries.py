"""Named reads: a crisis file with its team, plans and statements; HQ's view of crises and reports."""
from peewee import JOIN

from ..accounts.models import User
from ..approvals.models import Approval
from ..complaints.models import Complaint
from ..sla.models import Deadline, DeadlineKind
from ..tenancy.models import Tenant
from .models import CrisisFile, CrisisMember, CrisisPlan, CrisisStatement, HqReport

CRISIS_CLOCKS = [str(k) for k in (DeadlineKind.CRISIS_PLAN, DeadlineKind.CRISIS_CONTACT, DeadlineKind.CRISIS_ADJUST,
                                  DeadlineKind.CASE_WRITEUP, DeadlineKind.REVISIT)]


def file_context(file_id: int) -> dict:
    """Everything the crisis page shows, in a handful of queries."""
    file = CrisisFile.select(CrisisFile, Complaint).join(Complaint).where(CrisisFile.id == file_id).get()
    member_ids = [m.user_id for m in CrisisMember.select(CrisisMember.user).where(CrisisMember.file == file.id)]
    ids = set(member_ids) | {file.leader_id, file.executive_id, file.spokesperson_id, file.hq_participant_id,
                             file.declared_by_id}
    people = {u.id: u for u in User.select(User.id, User.name).where(User.id.in_([i for i in ids if i] or [0]))}
    plans = list(CrisisPlan.select(CrisisPlan, Approval)
                 .join(Approval, JOIN.LEFT_OUTER, on=(CrisisPlan.approval == Approval.id))
                 .where(CrisisPlan.file == file.id).order_by(CrisisPlan.number))
    statements = list(CrisisStatement.select().where(CrisisStatement.file == file.id).order_by(CrisisStatement.id))
    clocks = list(Deadline.select().where((Deadline.complaint == file.complaint_id)
                                          & Deadline.kind.in_(CRISIS_CLOCKS)).order_by(Deadline.id))
    return {"file": file, "complaint": file.complaint, "people": people, "member_ids": member_ids, "plans": plans,
            "statements": statements, "crisis_clocks": clocks}


def for_network() -> list[CrisisFile]:
    """For HQ views (network scope): crisis files with their complaint and tenant, newest first."""
    return list(CrisisFile.select(CrisisFile, Complaint, Tenant).join(Complaint)
                .join_from(CrisisFile, Tenant, on=(CrisisFile.tenant == Tenant.id))
                .order_by(CrisisFile.id.desc()).limit(200))


def reports_for_network() -> list[HqReport]:
    """For HQ views (network scope): the written reports received, newest first, with complaint and tenant."""
    return list(HqReport.select(HqReport, Complaint, Tenant).join(Complaint)
                .join_from(HqReport, Tenant, on=(HqReport.tenant == Tenant.id))
                .order_by(HqReport.id.desc()).limit(200))


def missing_reports_for_network() -> list[Complaint]:
    """For HQ views: open complaints that require a written report which has not arrived."""
    from ..complaints.rules import OPEN_STATES
    return list(Complaint.select(Complaint, Tenant).join(Tenant, on=(Complaint.tenant == Tenant.id))
                .join_from(Complaint, HqReport, JOIN.LEFT_OUTER, on=(HqReport.complaint == Complaint.id))
                .where(Complaint.report_required & Complaint.status.in_(list(OPEN_STATES)) & HqReport.id.is_null())
                .order_by(Complaint.id).limit(200))
