"""Plain factory functions for tests: complaints in a given step, with the demo users."""
from portal.accounts.models import User
from portal.complaints import actions
from portal.complaints.rules import TRANSITIONS, Move
from portal.tenancy.models import Category, Department, Tenant


def user(email: str) -> User:
    return User.get(User.email == email)


def intake_data(**overrides) -> dict:
    data = {"kind": "complaint", "channel": "phone", "customer_name": "张伟", "phone": "13800138000",
            "email": "zhang.wei@example.com", "address": "上海市浦东新区", "description": "首保收费，客户认为应免费",
            "customer_request": "退还费用", "complainants": 1, "vip": False, "plate": "沪A12345"}
    data.update(overrides)
    return data


def complaint(tenant_slug="dealer-sh01", actor_email=None, **overrides):
    """A freshly received complaint in a tenant (call inside that tenant's scope)."""
    tenant = Tenant.get(Tenant.slug == tenant_slug)
    actor = user(actor_email or f"cs@{tenant_slug}.demo")
    data = intake_data(**overrides)
    data.setdefault("category", Category.select().order_by(Category.position).first())
    created, _ = actions.intake(tenant, actor, data)
    return created


STEP_DATA = {
    Move.START_INVESTIGATION: {},
    Move.TRANSFER: {"findings": "确认收费未解释", "instructions": "请3个工作日内给出方案"},
    Move.PROPOSE_PLAN: {"cause": "服务顾问未解释首保范围", "solution": "退还工时费并道歉"},
    Move.CUSTOMER_RESPONSE: {"agreed": True, "opinion": "同意"},
    Move.IMPLEMENT: {"summary": "已退款"},
    Move.REVISIT: {"satisfaction": "satisfied"},
}
PATH = list(STEP_DATA)


def advance(c, until: Move, tenant_slug="dealer-sh01"):
    """Walk a complaint through the seven steps up to and including `until`."""
    gm = user(f"gm@{tenant_slug}.demo")
    perms = actions.permissions_of(gm, Tenant.get(Tenant.slug == tenant_slug))
    for step in PATH:
        if c.status not in TRANSITIONS[step].sources:  # already past this step
            continue
        data = dict(STEP_DATA[step])
        if step == Move.TRANSFER:
            data["department"] = Department.select().first()
        actions.move(c, step, gm, perms, data)
        if step == until:
            break
    return c


def implemented(tenant_slug="dealer-sh01", crisis=False, **overrides):
    """A complaint carried out and waiting for its revisit; `crisis` flags it before implementation."""
    from portal.complaints.models import Complaint
    c = advance(complaint(tenant_slug, **overrides), Move.CUSTOMER_RESPONSE, tenant_slug)
    if crisis:
        Complaint.update(crisis=True).where(Complaint.id == c.id).execute()
        c.crisis = True
    return advance(c, Move.IMPLEMENT, tenant_slug)


def open_revisit(c):
    """The complaint's revisit waiting to be made."""
    from portal.revisits.models import RevisitTask
    return (RevisitTask.select().where((RevisitTask.complaint == c.id) & (RevisitTask.status == "open"))
            .order_by(RevisitTask.id.desc()).get())


def checklist_answers(tenant, **overrides):
    """Answers to every question of the tenant's checklist: yes, 5 of 5, no text (override by item text)."""
    from portal.revisits.checklist import items_of, template_for
    answers = {}
    for item in items_of(template_for(tenant)):
        answers[f"item_{item.id}"] = overrides.get(item.text, {"yes_no": "yes", "scale": "5", "text": ""}[item.answer_type])
    return answers


def status_path(c) -> str:
    """The path of a complaint's current customer status link (/s/<token>); call inside an app context."""
    from portal.status.links import token_for
    return f"/s/{token_for(c)}"


def user_name(email: str) -> str:
    return user(email).name
