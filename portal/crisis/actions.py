"""Crisis verbs (DOMAIN.md §5): declare, build the team, submit plans for approval by grade,
record contacts and statements, react to dissatisfaction, route defamation to legal, write the case.

Each deadline is an SLA clock (sla.clocks) and a milestone on the complaint's supervision order,
so the clocks panel explains it and a missed one raises a warning like any other milestone.
"""
from .. import events
from ..accounts.models import User
from ..approvals import actions as approvals
from ..complaints import notices
from ..complaints.models import Complaint
from ..db import atomic, now
from ..events import EventKind
from ..sla import clocks, settings
from ..sla.models import DeadlineKind as K
from ..supervision import actions as supervision
from ..tenancy.models import HqLevel, HqMembership, Tenant
from . import rules
from .models import CrisisFile, CrisisMember, CrisisPlan, CrisisStatement
from .rules import PlanStatus, StatementKind

settings.register_defaults("crisis", rules.DEFAULTS)


class CrisisError(ValueError):
    """A refused change; `problems` maps a field (or "__all__") to message ids."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = {k: v if isinstance(v, list) else [v] for k, v in problems.items()}


def config(tenant) -> dict:
    return settings.load(tenant, "crisis")


def file_for(complaint) -> CrisisFile | None:
    return CrisisFile.select().where(CrisisFile.complaint == complaint.id).first()


def hq_admins(tenant_id: int) -> dict:
    network = Tenant.select(Tenant.network).where(Tenant.id == tenant_id).scalar()
    ids = [m.user_id for m in HqMembership.select(HqMembership.user).where(
        (HqMembership.network == network) & HqMembership.active & (HqMembership.level == HqLevel.ADMIN))]
    return supervision.users_by_id(ids)


def team(file) -> dict:
    """user id -> User: leader, executive leader, spokesperson, members and the HQ participant."""
    ids = {file.leader_id, file.executive_id, file.spokesperson_id, file.hq_participant_id}
    ids |= {m.user_id for m in CrisisMember.select(CrisisMember.user).where(CrisisMember.file == file.id)}
    return supervision.users_by_id(ids)


def _send(people: dict, template: str, file, complaint, actor, **context) -> None:
    for user in people.values():
        if actor is None or user.id != actor.id:
            notices.send(user.email, template, complaint.tenant_id, user.locale, file=file, complaint=complaint,
                         user=user, actor=actor, **context)


def _record(event_kind, file, complaint, actor, **data) -> None:
    events.record(event_kind, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                  data={"crisis": file.id, **data}, actor_label=None if actor else "system")


def declare(complaint, actor, summary: str = "", source: str = "staff") -> CrisisFile:
    """Open the crisis file: the GM leads, the plan is due in 24 hours, supervisors, GM and HQ are told."""
    existing = file_for(complaint)
    if existing is not None:
        return existing
    if not complaint.is_open or complaint.kind != "complaint":
        raise CrisisError({"__all__": "wrong_step"})
    tenant = complaint.tenant
    cfg = config(tenant)
    with atomic():
        leader = next(iter(supervision.role_members(complaint.tenant_id, [cfg["leader_role"]])), None)
        file = CrisisFile.create(tenant=complaint.tenant_id, complaint=complaint.id, source=source,
                                 summary=(summary or "").strip(), declared_by=actor, leader=leader)
        if actor is not None:
            CrisisMember.create(tenant=complaint.tenant_id, file=file, user=actor)
        was = complaint.crisis
        if not was:
            Complaint.update(crisis=True, version=Complaint.version + 1).where(Complaint.id == complaint.id).execute()
            complaint.crisis, complaint.version = True, complaint.version + 1
        events.record(EventKind.CRISIS_DECLARED, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      before={"crisis": was}, after={"crisis": True},
                      data={"crisis": file.id, "source": source, "summary": file.summary},
                      actor_label=None if actor else "system")
        deadline = clocks.start(complaint, K.CRISIS_PLAN)
        supervision.supervise(complaint, "crisis_plan", deadline.due_at, cc=[leader], actor=actor)
        people = supervision.role_members(complaint.tenant_id, cfg["notify_roles"])
        people.update(hq_admins(complaint.tenant_id))
        _send(people, "crisis_declared", file, complaint, actor, due_at=deadline.due_at)
    return file


def set_team(file, actor, *, leader, executive=None, hq_participant=None, members=(),
             expected_version: int | None = None) -> None:
    """Name the leader, executive leader, HQ participant and members; new members are told."""
    problems = rules.team_problems(getattr(leader, "id", None), getattr(executive, "id", None))
    if problems:
        raise CrisisError(problems)
    complaint = Complaint.get_by_id(file.complaint_id)
    version = file.version if expected_version is None else expected_version
    with atomic():
        before = team(file)
        changes = {"leader": leader.id, "executive": getattr(executive, "id", None),
                   "hq_participant": getattr(hq_participant, "id", None), "version": version + 1}
        if leader.id != file.leader_id:
            changes["spokesperson"] = None  # a new leader names their own spokesperson
        updated = CrisisFile.update(**changes).where((CrisisFile.id == file.id)
                                                     & (CrisisFile.version == version)).execute()
        if updated != 1:
            raise CrisisError({"__all__": "crisis_changed"})
        wanted = {m.id for m in members}
        CrisisMember.delete().where((CrisisMember.file == file.id) & CrisisMember.user.not_in(list(wanted) or [0])
                                    ).execute()
        for uid in wanted:
            CrisisMember.insert(tenant=file.tenant_id, file=file.id, user=uid).on_conflict_ignore().execute()
        for name, value in changes.items():
            setattr(file, f"{name}_id" if name != "version" else name, value)
        after = team(file)
        _record(EventKind.CRISIS_TEAM, file, complaint, actor, leader=leader.id, executive=file.executive_id,
                hq_participant=file.hq_participant_id, members=sorted(wanted))
        order = supervision.open_order_for(complaint)
        if order is not None:
            supervision.add_cc(order, [leader.id], actor)
        _send({k: v for k, v in after.items() if k not in before}, "crisis_team", file, complaint, actor)


def name_spokesperson(file, actor, user) -> None:
    """The leader names the one person who may also speak for the tenant outside."""
    if actor.id != file.leader_id:
        raise CrisisError({"__all__": "only_leader_names"})
    with atomic():
        CrisisFile.update(spokesperson=getattr(user, "id", None), version=CrisisFile.version + 1).where(
            CrisisFile.id == file.id).execute()
        file.spokesperson_id = getattr(user, "id", None)
        _record(EventKind.CRISIS_TEAM, file, Complaint.get_by_id(file.complaint_id), actor,
                spokesperson=file.spokesperson_id)


def _has_approved_plan(file) -> bool:
    return CrisisPlan.select().where((CrisisPlan.file == file.id) & (CrisisPlan.status == PlanStatus.APPROVED)).exists()


def submit_plan(file, actor, body: str) -> CrisisPlan:
    """Submit the plan (or an adjustment) to the approver its grade routes to; a pending one is withdrawn."""
    pending = (CrisisPlan.select().where((CrisisPlan.file == file.id) & (CrisisPlan.status == PlanStatus.PENDING))
               .first())
    problems = rules.plan_problems(body)
    if problems:
        raise CrisisError(problems)
    complaint = Complaint.get_by_id(file.complaint_id)
    with atomic():
        adjustment = _has_approved_plan(file)
        if pending is not None:
            CrisisPlan.update(status=PlanStatus.WITHDRAWN).where(CrisisPlan.id == pending.id).execute()
            if pending.approval_id:
                approvals.withdraw(approvals.Approval.get_by_id(pending.approval_id), actor)
        number = (CrisisPlan.select(CrisisPlan.number).where(CrisisPlan.file == file.id)
                  .order_by(CrisisPlan.number.desc()).scalar() or 0) + 1
        plan = CrisisPlan.create(tenant=file.tenant_id, file=file, number=number, body=body.strip(),
                                 adjustment=adjustment, submitted_by=actor)
        approval = approvals.request(complaint, "crisis_plan", actor, plan.body, subject_id=plan.id)
        CrisisPlan.update(approval=approval.id).where(CrisisPlan.id == plan.id).execute()
        plan.approval_id = approval.id
        met = K.CRISIS_ADJUST if adjustment else K.CRISIS_PLAN
        clocks.meet(complaint, [met])
        supervision.complete_by_key(complaint, str(met), actor)
        _record(EventKind.CRISIS_PLAN, file, complaint, actor, plan=plan.id, number=number, adjustment=adjustment,
                approval=approval.id, route=approval.route)
    return plan


def on_plan_decided(approval, actor, approved: bool, authority) -> None:
    """Approval handler: an approved plan starts the 12-hour contact clock; the team is told."""
    plan = CrisisPlan.get_or_none(CrisisPlan.id == approval.subject_id) if approval.subject_id else None
    if plan is None or plan.status != PlanStatus.PENDING:
        return
    CrisisPlan.update(status=PlanStatus.APPROVED if approved else PlanStatus.REJECTED).where(
        CrisisPlan.id == plan.id).execute()
    if not approved:
        return
    file = CrisisFile.get_by_id(plan.file_id)
    complaint = Complaint.get_by_id(file.complaint_id)
    deadline = clocks.start(complaint, K.CRISIS_CONTACT)
    supervision.supervise(complaint, "crisis_contact", deadline.due_at, cc=[file.leader_id], actor=actor)
    managers = supervision.users_by_id([file.leader_id, file.executive_id, file.spokesperson_id])
    _send(managers, "crisis_contact_due", file, complaint, actor, plan=plan, due_at=deadline.due_at)


approvals.HANDLERS["crisis_plan"] = on_plan_decided


def record_statement(file, actor, kind: str, audience: str, body: str) -> CrisisStatement:
    """A contact (leader, executive, spokesperson) or an external statement (leader or spokesperson only)."""
    allowed = (rules.may_state(actor.id, file.leader_id, file.spokesperson_id) if kind == StatementKind.STATEMENT
               else rules.may_contact(actor.id, file.leader_id, file.executive_id, file.spokesperson_id))
    problems = rules.statement_problems(kind, audience, body, allowed=allowed)
    if problems:
        raise CrisisError(problems)
    complaint = Complaint.get_by_id(file.complaint_id)
    with atomic():
        row = CrisisStatement.create(tenant=file.tenant_id, file=file, kind=kind, audience=audience,
                                     body=body.strip(), made_by=actor)
        if _has_approved_plan(file):
            clocks.meet(complaint, [K.CRISIS_CONTACT])
            supervision.complete_by_key(complaint, "crisis_contact", actor)
        _record(EventKind.CRISIS_STATEMENT, file, complaint, actor, kind=kind, audience=audience, body=row.body)
    return row


def customer_unsatisfied(file, actor, note: str) -> None:
    """The customer is not satisfied with progress: the plan must be adjusted within the hour."""
    if not _has_approved_plan(file):
        raise CrisisError({"__all__": "no_approved_plan"})
    complaint = Complaint.get_by_id(file.complaint_id)
    with atomic():
        deadline = clocks.start(complaint, K.CRISIS_ADJUST)
        supervision.supervise(complaint, "crisis_adjust", deadline.due_at, cc=[file.leader_id], actor=actor)
        _record(EventKind.CRISIS_UNSATISFIED, file, complaint, actor, note=(note or "").strip())
        _send(supervision.users_by_id([file.leader_id, file.executive_id]), "crisis_unsatisfied", file, complaint,
              actor, note=(note or "").strip(), due_at=deadline.due_at)


def suspect_defamation(file, actor, note: str) -> list:
    """Suspected malicious defamation goes to legal (the GM when the tenant has no legal role)."""
    complaint = Complaint.get_by_id(file.complaint_id)
    cfg = config(complaint.tenant)
    with atomic():
        legal = supervision.role_members(file.tenant_id, cfg["legal_roles"]) or \
            supervision.role_members(file.tenant_id, [cfg["leader_role"]])
        CrisisFile.update(defamation_suspected=True, legal_routed_at=now(), version=CrisisFile.version + 1).where(
            CrisisFile.id == file.id).execute()
        for uid in legal:
            CrisisMember.insert(tenant=file.tenant_id, file=file.id, user=uid).on_conflict_ignore().execute()
        _record(EventKind.CRISIS_LEGAL, file, complaint, actor, note=(note or "").strip(), legal=sorted(legal))
        _send(legal, "crisis_legal", file, complaint, actor, note=(note or "").strip())
    return list(legal.values())


def write_case(file, actor, text: str) -> None:
    """The crisis case written up (scenario, cause, correct practice, handling, improvement)."""
    if not (text or "").strip():
        raise CrisisError({"case_writeup": "required"})
    complaint = Complaint.get_by_id(file.complaint_id)
    with atomic():
        CrisisFile.update(case_writeup=text.strip(), case_written_at=now(), case_written_by=actor.id,
                          version=CrisisFile.version + 1).where(CrisisFile.id == file.id).execute()
        clocks.meet(complaint, [K.CASE_WRITEUP])
        supervision.complete_by_key(complaint, "case_writeup", actor)
        _record(EventKind.CRISIS_CASE, file, complaint, actor)


def start_case_clock(complaint) -> None:
    """Implementation done: the case is due within the week (the revisit engine handles the 2-day revisit)."""
    file = file_for(complaint)
    if file is None or file.case_written_at is not None:
        return
    deadline = clocks.start(complaint, K.CASE_WRITEUP)
    supervision.supervise(complaint, "case_writeup", deadline.due_at, cc=[file.leader_id])


def leader_of(file):
    return User.get_or_none(User.id == file.leader_id) if file.leader_id else None
