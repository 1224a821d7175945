"""Who may reach what: the declared access policy of every route, checked by tests/test_access_policy.py.

Each endpoint of the URL map has one entry. A route added without an entry fails the test, naming it:
decide here who may use it before it ships.

Tenant routes (/t/<tenant>/...) answer
- anonymous visitors: 302 to the sign-in page;
- members whose role holds `need` (all of it; `any_of`: one of it): `ok` for a GET;
- members without it: 403 (in their own workspace, where the route's existence is no secret);
- everyone else (another tenant's members, any HQ user), and ids of another tenant's rows inside the
  user's own workspace: 404, as for something that does not exist. A member who lacks `need` gets the
  same 403 whatever the id, so the id tells nothing either.
HQ routes (/hq/...) answer anonymous visitors 302, tenant staff 404, HQ users with `need` `ok`, HQ users
without it 403, and ids of another network's rows 404.
Public routes answer `anonymous` to anyone (with `args` naming a valid token where one is needed).

`args` says what each URL argument names: a kind of row in tests/access_world.py (Place.ids) or a
literal value. Integer arguments whose name says it all (cid, case_id, ...) default through ARG_KINDS;
an integer argument named nowhere fails the test. `crawl` lists more argument values or query strings
for the canary crawl (every print form, this month's report, a search for the markers...).
"""
from dataclasses import dataclass, field

from portal.tenancy.rules import Permission as P

# What an integer URL argument names when the route does not say otherwise.
ARG_KINDS = {"cid": "complaint", "case_id": "case", "fid": "crisis", "oid": "order", "mid": "milestone",
             "bid": "batch", "did": "delegation", "wid": "work_order", "message_id": "message",
             "member_id": "member", "role_id": "role", "category_id": "category", "department_id": "department",
             "tid": "tenant_id"}


@dataclass(frozen=True)
class Tenant:
    """A route inside a tenant's workspace."""

    need: tuple = ()  # permissions the role must hold before anything is loaded; () = every member
    any_of: tuple = ()  # or: at least one of these
    ok: int = 200  # the answer to a GET by a member allowed to use it
    args: dict = field(default_factory=dict)
    crawl: tuple = ()  # extra ({arg: value} or "?query") variants for the canary crawl
    download: dict | None = None  # a POST answered with a file: this form is posted in the crawl too


@dataclass(frozen=True)
class Hq:
    """A route of the headquarters workspace."""

    need: str = "hq.view"
    ok: int = 200
    args: dict = field(default_factory=dict)
    crawl: tuple = ()


@dataclass(frozen=True)
class Public:
    """A route outside any workspace."""

    anonymous: int  # the answer to a GET (or a POST without a form) by anyone
    args: dict = field(default_factory=dict)


V, NOTE, ASSIGN, INVESTIGATE = P.COMPLAINT_VIEW, P.COMPLAINT_NOTE, P.COMPLAINT_ASSIGN, P.COMPLAINT_INVESTIGATE
SETTINGS = P.ADMIN_SETTINGS
PRIVACY = "customer.privacy"
MONTH = "?month={month}"  # filled with the month of the seeded reports
DOCS = tuple({"doc": d} for d in ("receipt", "investigation", "transfer", "opinion"))

TENANT = {
    "workspace.home": Tenant(),
    # administration
    "admin.index": Tenant(any_of=(P.ADMIN_USERS, P.ADMIN_ROLES, SETTINGS, P.ADMIN_AUDIT)),
    "admin.users": Tenant((P.ADMIN_USERS,)),
    "admin.new_user": Tenant((P.ADMIN_USERS,)),
    "admin.member": Tenant((P.ADMIN_USERS,)),
    "admin.change_role": Tenant((P.ADMIN_USERS,)),
    "admin.set_active": Tenant((P.ADMIN_USERS,), args={"verb": "deactivate"}),
    "admin.reset_password": Tenant((P.ADMIN_USERS,)),
    "admin.roles": Tenant((P.ADMIN_ROLES,)),
    "admin.new_role": Tenant((P.ADMIN_ROLES,)),
    "admin.edit_role": Tenant((P.ADMIN_ROLES,)),
    "admin.departments": Tenant((SETTINGS,)),
    "admin.department": Tenant((SETTINGS,)),
    "admin.categories": Tenant((SETTINGS,)),
    "admin.category": Tenant((SETTINGS,)),
    "audit.index": Tenant((P.ADMIN_AUDIT,)),
    "outbox.index": Tenant((P.ADMIN_AUDIT,), crawl=("?status=sent", "?status=queued")),
    "outbox.detail": Tenant((P.ADMIN_AUDIT,)),
    "outbox.retry": Tenant((P.ADMIN_AUDIT,)),
    "outbox.send_test": Tenant((P.ADMIN_AUDIT,)),
    # customers' personal data (PIPL)
    "customers.index": Tenant((PRIVACY,), crawl=("?q=KC", "?q=13800138000")),
    "customers.detail": Tenant((PRIVACY,), args={"cid": "customer"}),
    "customers.export_data": Tenant((PRIVACY,), args={"cid": "customer"}, download={"fmt": "zip"}),
    "customers.erase": Tenant((PRIVACY,), args={"cid": "customer"}),
    "customers.settings_page": Tenant((SETTINGS,)),
    # settings
    "settings.index": Tenant((SETTINGS,), ok=302),  # to the first settings page
    "settings.batches": Tenant((SETTINGS,)),
    "settings.toggle_batch": Tenant((SETTINGS,)),
    "settings.calendar": Tenant((SETTINGS,)),
    "settings.deadlines": Tenant((SETTINGS,)),
    "settings.escalation_settings": Tenant((SETTINGS,)),
    "settings.escalation_preview": Tenant((SETTINGS,)),
    "customer_link.settings_page": Tenant((SETTINGS,)),
    "revisits.settings": Tenant((SETTINGS,)),
    "supervision.settings_page": Tenant((SETTINGS,)),
    "supervision.save_settings": Tenant((SETTINGS,), args={"group": "orders"}),
    # the complaint register
    "complaints.queue": Tenant((V,), crawl=("?status=all", "?q=KC-", "?status=all&view=all")),
    "complaints.mine": Tenant((V,), ok=302),  # to the queue, filtered to the user
    "complaints.intake": Tenant((P.COMPLAINT_CREATE,)),
    "complaints.customer_lookup": Tenant((P.COMPLAINT_CREATE,), crawl=("?phone=13800138000", "?phone=13911112222")),
    "complaints.bulk_assign": Tenant((ASSIGN,)),
    "complaints.detail": Tenant((V,), args={"cid": "complaint"}),
    "complaints.receipt": Tenant((V,)),
    "complaints.printable": Tenant((V,), args={"doc": "receipt"}, crawl=DOCS),
    "complaints.download": Tenant((V,), args={"aid": "attachment"}),
    "complaints.upload": Tenant((NOTE,)),
    "complaints.add_note": Tenant((NOTE,)),
    "complaints.assign": Tenant((ASSIGN,)),
    "complaints.add_link": Tenant((P.COMPLAINT_MERGE,)),
    "complaints.step": Tenant((V,), args={"move": "start_investigation"}),
    "customer_link.reissue": Tenant((P.COMPLAINT_CUSTOMER,)),
    "customer_link.send": Tenant((P.COMPLAINT_CUSTOMER,)),
    "sla.pause": Tenant((V,), any_of=(P.COMPLAINT_CUSTOMER, P.COMPLAINT_PLAN)),
    "sla.resume": Tenant((V,), any_of=(P.COMPLAINT_CUSTOMER, P.COMPLAINT_PLAN)),
    "sla.risk": Tenant((INVESTIGATE,)),
    "sla.grade": Tenant((INVESTIGATE,)),
    "support.create": Tenant((V,), any_of=(P.COMPLAINT_PLAN, INVESTIGATE)),
    "support.answer": Tenant((V,), any_of=(P.COMPLAINT_PLAN, INVESTIGATE), args={"rid": "support"}),
    "work_orders.accept": Tenant((ASSIGN,)),
    "work_orders.return_": Tenant((ASSIGN,)),
    # approvals
    "approvals.inbox": Tenant((V,)),
    "approvals.decide": Tenant((V,), args={"aid": "approval"}),
    "approvals.away": Tenant((V,)),
    "approvals.end_away": Tenant((V,)),
    "approvals.ask_downgrade": Tenant((INVESTIGATE,)),
    # revisits
    "revisits.queue": Tenant((P.REVISIT,), crawl=("?status=all", "?status=done")),
    "revisits.revisit": Tenant((P.REVISIT,), args={"rid": "revisit"}),
    # supervision and crisis
    "supervision.board": Tenant((P.SUPERVISION,)),
    "supervision.issue": Tenant((P.SUPERVISION,)),
    "supervision.early_warning": Tenant((V,)),
    "supervision.order": Tenant((V,)),
    "supervision.printable": Tenant((V,)),
    "supervision.progress": Tenant((V,)),  # then: plan or supervision permission, or the order's leader
    "supervision.follow_up": Tenant((P.SUPERVISION,)),
    "supervision.close": Tenant((P.SUPERVISION,)),
    "supervision.milestone_done": Tenant((V,)),  # then: supervision permission, the leader or the owner
    "supervision.waive": Tenant((P.SUPERVISION,)),
    "crisis.declare": Tenant((P.CRISIS,)),
    "crisis.submit_report": Tenant((P.REPORTS_SUBMIT,)),
    "crisis.file": Tenant((V,)),
    "crisis.team": Tenant((P.CRISIS,)),
    "crisis.spokesperson": Tenant((V,)),
    "crisis.plan": Tenant((P.CRISIS,)),
    "crisis.statement": Tenant((V,)),
    "crisis.unsatisfied": Tenant((P.CRISIS,)),
    "crisis.legal": Tenant((P.CRISIS,)),
    "crisis.case": Tenant((P.CRISIS,)),
    # the case library
    "cases.index": Tenant((P.CASES,), crawl=("?q=KC", "?q=NC")),
    "cases.new": Tenant((P.CASES,), args={"cid": "closed"}),
    "cases.detail": Tenant((P.CASES,)),
    "cases.edit": Tenant((P.CASES,)),
    "cases.share": Tenant((P.CASES,)),
    # reports
    "reports.monthly": Tenant((P.REPORTS_VIEW,), crawl=(MONTH,)),
    "reports.monthly_csv": Tenant((P.REPORTS_VIEW,), crawl=(MONTH, MONTH + "&part=complaints")),
    "reports.monthly_xlsx": Tenant((P.REPORTS_VIEW,), crawl=(MONTH,)),
    "reports.prepare_xlsx": Tenant((P.REPORTS_VIEW,)),
    "reports.export_status": Tenant((P.REPORTS_VIEW,), args={"job": "export"}),
    "reports.export_file": Tenant((P.REPORTS_VIEW,), args={"job": "export"}),
    "reports.quarterly": Tenant((P.REPORTS_VIEW,), args={"group": "general"},
                                crawl=({"group": "hot_important"}, "?quarter={quarter}")),
    "reports.major": Tenant((P.REPORTS_VIEW,), args={"cid": "major"}),
    "reports.major_analysis": Tenant((P.REPORTS_SUBMIT,), args={"cid": "major"}),
    "reports.analysis": Tenant((P.REPORTS_SUBMIT,), args={"kind": "monthly", "period": "{month}"}),
}

HQ = {
    "hq.home": Hq(),
    "hq.comparison": Hq(crawl=("?sort=name",)),
    "hq.inbox": Hq(crawl=("?compact=1",)),
    "hq.complaints": Hq(crawl=("?status=all", "?tenant={tenant_id}")),
    "hq.complaint": Hq(),
    "hq.comment": Hq("hq.approve"),
    "hq.grade": Hq("hq.approve"),
    "hq.request_supervision": Hq("hq.approve"),
    "hq.take_over": Hq("hq.approve"),
    "hq.review_report": Hq("hq.approve"),
    "hq.step": Hq("hq.approve", args={"move": "start_investigation"}),
    "hq.decide": Hq("hq.approve", args={"aid": "approval"}),
    "hq.answer_support": Hq("hq.approve", args={"rid": "support"}),
    "hq.work_orders": Hq(crawl=("?status=all", "?compact=1")),
    "hq.work_order": Hq(),
    "hq.dispatch": Hq("hq.dispatch"),
    "hq.redirect_work_order": Hq("hq.dispatch"),
    "hq.tenants": Hq("hq.manage"),
    "hq.suspend": Hq("hq.manage"),
    "hq.reactivate": Hq("hq.manage"),
    "hq.network_settings": Hq("hq.manage", args={"key": "deadlines"}, crawl=({"key": "hq"},)),
    "hq.network_escalation": Hq("hq.manage"),
    "hq_audit.hq_index": Hq(),
    "hq_cases.index": Hq(crawl=("?q=NC", "?q=KC")),
    "hq_cases.detail": Hq(args={"case_id": "shared_case"}),
    "hq_cases.feature": Hq("hq.manage", args={"case_id": "shared_case"}),
    "hq_reports.monthly": Hq(crawl=(MONTH,)),
    "hq_reports.submitted": Hq(args={"rid": "report"}),
}

PUBLIC = {
    "core.index": Public(302),
    "core.healthz": Public(200),
    "core.set_language": Public(303),
    "accounts.login": Public(200),
    "accounts.logout": Public(302),
    "accounts.workspaces": Public(302),
    "accounts.choose_workspace": Public(302),
    "status.index": Public(302),  # to the lookup form
    "status.lookup": Public(200),
    "status.page": Public(200, args={"token": "token"}),
    "status.answer": Public(303, args={"token": "token"}),
    "status.survey": Public(303, args={"token": "token"}),
    "status.add_info": Public(303, args={"token": "token"}),
    "status.urge": Public(303, args={"token": "token"}),
    "status.language": Public(303, args={"token": "token"}),
    "static": Public(200, args={"filename": "portal.js"}),
}
