"""The early-warning chain (预警链): a flag on a complaint tells the roles the tenant configured.

Staff raise a flag by hand (the front desk about an upset customer, an advisor who cannot calm
one); support requests and the grading rules raise theirs automatically, once per complaint.
"""
from .. import events
from ..accounts.models import User
from ..complaints import notices
from ..db import atomic
from ..events import EventKind
from ..sla import settings
from ..tenancy.models import Department, HqMembership, HqLevel, Tenant
from . import actions, rules
from .models import EarlyWarning

settings.register_defaults("warning_chain", dict(rules.DEFAULT_CHAIN))


class ChainError(ValueError):
    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


def recipients(complaint, flag: str) -> dict:
    """user id -> User for the flag's targets in this tenant."""
    chain = settings.load(complaint.tenant, "warning_chain")
    people, roles = {}, []
    for target in rules.chain_targets(chain, flag):
        if target == "hq":
            network = Tenant.select(Tenant.network).where(Tenant.id == complaint.tenant_id).scalar()
            ids = [m.user_id for m in HqMembership.select(HqMembership.user).where(
                (HqMembership.network == network) & HqMembership.active & (HqMembership.level == HqLevel.ADMIN))]
            people.update(actions.users_by_id(ids))
        elif target == "dept_leader" and complaint.department_id:
            leader = Department.select(Department.leader).where(Department.id == complaint.department_id).scalar()
            people.update(actions.users_by_id([leader]))
        elif target.startswith("role:"):
            roles.append(target[5:])
    if roles:
        people.update(actions.role_members(complaint.tenant_id, roles))
    return people


def raise_warning(complaint, flag: str, actor, note: str = "", automatic: bool = False) -> EarlyWarning | None:
    """Tell the flag's people now; an automatic flag is raised once per complaint (None when it was)."""
    if flag not in rules.CHAIN_FLAGS:
        raise ChainError({"flag": ["invalid_choice"]})
    with atomic():
        if automatic and EarlyWarning.select().where((EarlyWarning.complaint == complaint.id)
                                                     & (EarlyWarning.flag == flag)).exists():
            return None
        people = {uid: u for uid, u in recipients(complaint, flag).items() if actor is None or uid != actor.id}
        row = EarlyWarning.create(tenant=complaint.tenant_id, complaint=complaint.id, flag=flag, note=note.strip(),
                                  automatic=automatic, told=" ".join(str(i) for i in sorted(people)),
                                  raised_by=actor)
        events.record(EventKind.EARLY_WARNING, "complaint", complaint.id, actor, tenant=complaint.tenant_id,
                      data={"flag": flag, "note": row.note, "told": sorted(people), "automatic": automatic},
                      actor_label=None if actor else "system")
        for user in people.values():
            notices.send(user.email, "early_warning", complaint.tenant_id, user.locale, complaint=complaint,
                         flag=flag, note=row.note, user=user, actor=actor)
    return row


REPORT_RISKS = {"airbag", "corrosion", "injury", "death", "consumer_association", "media_exposed", "media_risk"}


def on_grade(complaint, before: dict, actor) -> None:
    """Risk flags and the mandatory-report flag raise their chain warnings, once per complaint."""
    newly = set(complaint.risk_flags.split()) - set(before.get("risk_flags", complaint.risk_flags.split()))
    report_now = before.get("report_required") is False and complaint.report_required
    if report_now or newly & REPORT_RISKS:
        raise_warning(complaint, "hq_report", actor, automatic=True)


def users_told(row: EarlyWarning) -> list:
    ids = [int(x) for x in row.told.split() if x.isdigit()]
    return list(User.select().where(User.id.in_(ids or [0])))
