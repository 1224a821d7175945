"""Applying the grading rules to stored complaints: on intake, on staff changes and in the sweep.

An upgrade writes one event naming the rules and figures that fired it, raises the crisis and
HQ-report flags, links cluster members, and tells the department leader, the tenant GM and (for
major, crisis and HQ reports) headquarters. Nothing here ever lowers a grade.
"""
import datetime

from .. import events
from ..accounts.models import User
from ..complaints import hooks, notices
from ..complaints.models import Complaint, ComplaintLink, Customer
from ..complaints.rules import ELSEWHERE, OPEN_STATES, Grade, Kind, grade_rank
from ..db import atomic, now
from ..events import EventKind
from ..tenancy.models import Department, HqMembership, Membership, Role, Tenant
from . import clusters, grading, settings
from .models import ClusterEntry

settings.register_defaults("escalation", grading.Thresholds().to_dict())
# fn(complaint, before, actor), in the same transaction, after the grade, the crisis/report flags or the
# risk flags changed; `before` holds the old values of what changed (supervision, crisis, warnings subscribe).
GRADE_HOOKS: list = []


def thresholds_for(tenant) -> grading.Thresholds:
    return grading.Thresholds.from_dict(settings.load(tenant, "escalation"))


def _our_days(c: Complaint, at) -> float:
    """Days open for reasons on our side: paused time (waiting for others) is not counted."""
    start = c.open_clock_from or c.received_at
    end = c.paused_since or at
    return max((end - start).total_seconds(), 0) / 86400 if c.status in OPEN_STATES else 0.0


def facts(c: Complaint, phone: str, at) -> grading.ComplaintFacts:
    flags = frozenset(f for f in (c.risk_flags or "").split() if f in grading.RISK_FLAGS)
    return grading.ComplaintFacts(
        id=c.id, tenant_id=c.tenant_id, customer_key=phone, category_id=c.category_id, received_at=c.received_at,
        grade=c.grade, kind=c.kind, status_open=c.status in OPEN_STATES, complainants=c.complainants or 1,
        is_repeat=c.is_repeat, outside_support=c.outside_support, risk_flags=flags,
        text=f"{c.description}\n{c.customer_request or ''}", our_fault_open_days=_our_days(c, at),
        batch_key=c.batch_key)


def _neighbours(c: Complaint, window_days: int) -> list:
    """The complaints the cluster rule counts in the category within a window either side, as the few
    fields it reads (from the rule's own register, `clusters`: plain tuples, no rows)."""
    span = datetime.timedelta(days=window_days)
    rows = (ClusterEntry.select(ClusterEntry.complaint, ClusterEntry.complainant, ClusterEntry.received_at)
            .where((ClusterEntry.tenant == c.tenant_id) & (ClusterEntry.category == c.category_id)
                   & ClusterEntry.received_at.between(c.received_at - span, c.received_at + span)
                   & (ClusterEntry.complaint != c.id)).tuples())
    return [grading.ComplaintFacts(id=i, tenant_id=c.tenant_id, customer_key=who, category_id=c.category_id,
                                   received_at=received) for i, who, received in rows]


def _batch_mates(c: Complaint, sizes: dict) -> list:
    """The category's other complaints of the complaint's declared batch (merged, returned and redirected ones excluded)."""
    if not sizes:
        return []
    rows = (Complaint.select(Complaint.id, Customer.phone, Complaint.received_at)
            .join(Customer, on=(Complaint.customer == Customer.id))
            .where((Complaint.batch_key == c.batch_key) & (Complaint.category == c.category_id)
                   & (Complaint.kind == Kind.COMPLAINT) & Complaint.status.not_in(sorted(ELSEWHERE))
                   & (Complaint.id != c.id)).tuples())
    return [grading.ComplaintFacts(id=i, tenant_id=c.tenant_id, customer_key=phone, category_id=c.category_id,
                                   received_at=received, batch_key=c.batch_key) for i, phone, received in rows]


def evaluate(c: Complaint, at=None, thresholds=None, cluster=None) -> list:
    """The findings for one stored complaint. `cluster`: the cluster rule's findings already worked out
    (`clusters.for_newest`); without them the rule reads the category's neighbours."""
    at = at or now()
    t = thresholds or thresholds_for(c.tenant)
    sizes = batch_sizes(c) if c.category_id else {}
    history = _neighbours(c, t.cluster_window_days) if cluster is None and c.category_id else []
    return grading.evaluate(facts(c, c.customer.phone, at), history + _batch_mates(c, sizes), t, at, sizes,
                            cluster=cluster)


def batch_sizes(c: Complaint) -> dict:
    """The declared size of the complaint's batch, if it names an active one."""
    from .models import Batch
    if not c.batch_key:
        return {}
    batch = Batch.select().where((Batch.key == c.batch_key) & Batch.active).first()
    return {batch.key: batch.size} if batch else {}


def apply(c: Complaint, actor=None, at=None, thresholds=None, findings=None, announce=True) -> bool:
    """Upgrade and flag a complaint as its findings demand; True when something changed.

    `announce=False` (cluster mates graded along with a new complaint): no links and no mail of
    their own; the new complaint's links and notice already name the whole cluster."""
    if c.kind != Kind.COMPLAINT:
        return False
    findings = evaluate(c, at, thresholds) if findings is None else findings
    new_grade = grading.target_grade(c.grade, findings)
    flags = set().union(*(f.flags for f in findings)) if findings else set()
    crisis, report = c.crisis or "crisis" in flags, c.report_required or "hq_report" in flags
    batch = c.batch_incident or "batch_incident" in flags
    if new_grade == c.grade and crisis == c.crisis and report == c.report_required and batch == c.batch_incident:
        return False
    with atomic():
        before = {"grade": c.grade, "crisis": c.crisis, "report_required": c.report_required,
                  "batch_incident": c.batch_incident}
        Complaint.update(grade=new_grade, crisis=crisis, report_required=report, batch_incident=batch,
                         version=Complaint.version + 1).where(Complaint.id == c.id).execute()
        c.grade, c.crisis, c.report_required, c.batch_incident = new_grade, crisis, report, batch
        c.version += 1
        reasons = grading.upgrade_reasons(before["grade"], findings) or findings
        kind = EventKind.GRADE_RAISED if new_grade != before["grade"] else EventKind.FLAGS_CHANGED
        events.record(kind, "complaint", c.id, actor, tenant=c.tenant_id, before=before,
                      after={"grade": new_grade, "crisis": crisis, "report_required": report,
                             "batch_incident": batch},
                      data={"findings": [f.as_data() for f in reasons],
                            "explanation": [grading.describe(f) for f in reasons]},
                      actor_label=None if actor else "system")
        if announce:
            _link_cluster(c, findings)
            _announce(c, before, reasons)
        hooks.run(GRADE_HOOKS, c, before, actor)
    return True


def _link_cluster(c: Complaint, findings) -> None:
    """Link the members of a cluster or a batch incident (one insert), so they are shown together."""
    rows = [{"tenant": c.tenant_id, "source": c.id, "target": other, "kind": f.rule}
            for f in findings if f.rule in ("cluster", "batch") for other in f.related_ids if other != c.id]
    if rows:
        ComplaintLink.insert_many(rows).on_conflict_ignore().execute()


def _announce(c: Complaint, before: dict, reasons) -> None:
    """Department leader and tenant GM always; HQ for major, crisis and mandatory reports."""
    people = {}
    if c.department_id:
        dept = Department.get_or_none(Department.id == c.department_id)
        if dept and dept.leader_id:
            people[dept.leader_id] = None
    gms = (Membership.select(Membership.user).join(Role)
           .where((Role.key == "general_manager") & Membership.active))
    people.update({m.user_id: None for m in gms})
    to_hq = c.grade == Grade.MAJOR and before["grade"] != Grade.MAJOR
    to_hq |= (c.crisis and not before["crisis"]) or (c.report_required and not before["report_required"])
    to_hq |= c.batch_incident and not before["batch_incident"]
    if to_hq:
        network = Tenant.select(Tenant.network).where(Tenant.id == c.tenant_id).scalar()
        hq = HqMembership.select(HqMembership.user).where((HqMembership.network == network) & HqMembership.active)
        people.update({m.user_id: None for m in hq})
    findings = [f.as_data() for f in reasons]
    for user in User.select().where(User.id.in_(list(people)) & User.active):
        notices.send(user.email, "complaint_escalated", c.tenant_id, user.locale, complaint=c, user=user,
                     before=before, findings=findings)


def on_intake(complaint, actor) -> None:
    """Grade the new complaint; the members it brought into a cluster, and its batch's, are graded too.

    Members of a cluster that was one already before it came were graded when it formed: they are
    left alone (a grade staff lowered since stays lowered)."""
    if complaint.kind != Kind.COMPLAINT:
        return
    t = thresholds_for(complaint.tenant)
    key = grading.complainant_key(complaint.customer.phone, complaint.id)
    newest = clusters.for_newest(complaint, key, t)
    findings = evaluate(complaint, thresholds=t, cluster=newest.findings if newest else None)
    apply(complaint, None, findings=findings)
    wanted = {}  # member id -> the shared findings that are theirs too
    for f in findings:
        if f.rule == "cluster" or f.rule == "batch":
            ids = newest.forming if f.rule == "cluster" and newest else f.related_ids
            for i in set(ids) - {complaint.id}:
                wanted.setdefault(i, []).append(f)
    if not wanted:
        return
    behind = Complaint.grade.in_([Grade.GENERAL, Grade.IMPORTANT])
    if any(f.rule == "batch" for f in findings):
        behind |= Complaint.batch_incident == False  # noqa: E712
    lagging = Complaint.select().where(Complaint.id.in_(list(wanted)) & Complaint.status.in_(list(OPEN_STATES))
                                       & behind)
    for other in lagging:  # no need to read their neighbours again
        apply(other, None, findings=wanted[other.id], announce=False)


hooks.AFTER_INTAKE.append(on_intake)


def _thresholds_by_tenant() -> dict:
    """Every active tenant's thresholds, in two queries (network defaults + tenant overrides)."""
    import json

    from .models import NetworkSetting, TenantSetting
    nets = {n.network_id: json.loads(n.value) for n in NetworkSetting.select().where(NetworkSetting.key == "escalation")}
    own = {t.tenant_id: json.loads(t.value) for t in TenantSetting.select().where(TenantSetting.key == "escalation")}
    base = settings.DEFAULTS["escalation"]
    return {t.id: grading.Thresholds.from_dict({**base, **nets.get(t.network_id, {}), **own.get(t.id, {})})
            for t in Tenant.select(Tenant.id, Tenant.network).where(Tenant.status == "active")}


def sweep_unresolved(at) -> int:
    """Upgrade open complaints that stayed unresolved on our side past the tenant's limits."""
    changed = 0
    below_hot = [Grade.GENERAL, Grade.IMPORTANT]
    for tenant_id, t in _thresholds_by_tenant().items():
        # Two range seeks on (tenant, grade, open_clock_from) rather than one OR the index cannot serve.
        for grades, days in ((below_hot, t.unresolved_hot_days), ([Grade.HOT], t.unresolved_major_days)):
            cut = at - datetime.timedelta(days=days)
            due = (Complaint.select().where(
                (Complaint.tenant == tenant_id) & Complaint.grade.in_(grades) & (Complaint.open_clock_from <= cut)
                & Complaint.paused_since.is_null() & (Complaint.kind == Kind.COMPLAINT)
                & Complaint.status.in_(list(OPEN_STATES))).limit(500))
            for c in due:
                changed += apply(c, None, at, t)
    return changed


def _register_sweep():
    from .sweep import ESCALATORS
    if sweep_unresolved not in ESCALATORS:
        ESCALATORS.append(sweep_unresolved)


_register_sweep()


class GradeError(ValueError):
    """A refused manual grade change; `problems` maps a field to message ids."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


def approvable_grades(permissions) -> set[str]:
    """Grades whose plans (and downgrades) this person may approve: major belongs to HQ."""
    if "hq.approve" in permissions:
        return {str(g) for g in Grade}
    return {Grade.GENERAL, Grade.IMPORTANT, Grade.HOT} if "approval.decide" in permissions else set()


def change_grade(c: Complaint, new: str, reason: str, actor, permissions) -> None:
    """Staff raise a grade with a reason; lowering it needs the approver of the current grade."""
    reason = (reason or "").strip()
    if new not in {str(g) for g in Grade}:
        raise GradeError({"grade": ["unknown_grade"]})
    lowering = grade_rank(new) < grade_rank(c.grade)
    problems = (grading.downgrade_problems(c.grade, new, reason, approvable_grades(permissions)) if lowering
                else ({"grade": "not_an_upgrade"} if new == c.grade else ({} if reason else {"reason": "required"})))
    if problems:
        raise GradeError({k: [v] for k, v in problems.items()})
    with atomic():
        before = {"grade": c.grade}
        Complaint.update(grade=new, version=Complaint.version + 1).where(Complaint.id == c.id).execute()
        c.grade, c.version = new, c.version + 1
        events.record(EventKind.GRADE_LOWERED if lowering else EventKind.GRADE_RAISED, "complaint", c.id, actor,
                      tenant=c.tenant_id, before=before, after={"grade": new}, data={"reason": reason})
        hooks.run(GRADE_HOOKS, c, before, actor)


def set_risk(c: Complaint, flags, outside_support: bool, actor) -> None:
    """Staff mark risks (lawsuit, media, injury…) and outside support; the rules then re-grade."""
    flags = sorted(set(flags) & grading.RISK_FLAGS)
    with atomic():
        before = {"risk_flags": c.risk_flags.split(), "outside_support": c.outside_support}
        Complaint.update(risk_flags=" ".join(flags), outside_support=outside_support).where(
            Complaint.id == c.id).execute()
        c.risk_flags, c.outside_support = " ".join(flags), outside_support
        events.record(EventKind.FLAGS_CHANGED, "complaint", c.id, actor, tenant=c.tenant_id, before=before,
                      after={"risk_flags": flags, "outside_support": outside_support})
        hooks.run(GRADE_HOOKS, c, before, actor)
        apply(c, actor)
