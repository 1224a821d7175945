"""Permissions and the defaults a new tenant starts with (DOMAIN.md §1). Pure data, no I/O."""
import enum


class Permission(enum.StrEnum):
    """Something a role may do inside a tenant."""

    COMPLAINT_VIEW = "complaint.view"  # see the register and complaint files
    COMPLAINT_CREATE = "complaint.create"  # log a complaint, inquiry or repair request
    COMPLAINT_ASSIGN = "complaint.assign"  # assign handlers, bulk assign
    COMPLAINT_INVESTIGATE = "complaint.investigate"  # record the investigation and validity
    COMPLAINT_TRANSFER = "complaint.transfer"  # transfer to a responsible department
    COMPLAINT_PLAN = "complaint.plan"  # propose the department's cause analysis and plan
    COMPLAINT_CUSTOMER = "complaint.customer"  # record the customer's opinion, publish to them
    COMPLAINT_IMPLEMENT = "complaint.implement"  # record implementation
    COMPLAINT_CLOSE = "complaint.close"  # close, reopen, answer inquiries
    COMPLAINT_NOTE = "complaint.note"  # add notes and attachments
    COMPLAINT_MERGE = "complaint.merge"  # link and merge complaints
    CUSTOMER_FULL = "customer.full"  # see unmasked customer phone and e-mail
    CUSTOMER_PRIVACY = "customer.privacy"  # export everything about a customer, erase them after retention (PIPL)
    REVISIT = "revisit.record"  # call the customer back, record satisfaction
    SUPERVISION = "supervision.manage"  # issue and follow supervision orders
    CRISIS = "crisis.manage"  # declare and run a crisis file
    APPROVE = "approval.decide"  # approve plans and downgrades routed to this role
    REPORTS_VIEW = "reports.view"
    REPORTS_SUBMIT = "reports.submit"
    CASES = "cases.manage"
    ADMIN_USERS = "admin.users"  # invite, deactivate, reset passwords
    ADMIN_ROLES = "admin.roles"
    ADMIN_SETTINGS = "admin.settings"  # departments, categories, thresholds, calendar
    ADMIN_AUDIT = "admin.audit"  # outbox and audit log


P = Permission
_HANDLE = {P.COMPLAINT_VIEW, P.COMPLAINT_CREATE, P.COMPLAINT_NOTE}
_CS = _HANDLE | {P.COMPLAINT_ASSIGN, P.COMPLAINT_INVESTIGATE, P.COMPLAINT_TRANSFER,
                 P.COMPLAINT_CUSTOMER, P.COMPLAINT_CLOSE, P.COMPLAINT_MERGE, P.CUSTOMER_FULL,
                 P.REVISIT, P.SUPERVISION, P.REPORTS_VIEW, P.CASES}
_DEPT = _HANDLE | {P.COMPLAINT_PLAN, P.COMPLAINT_IMPLEMENT}
_MANAGER = _CS | _DEPT | {P.CRISIS, P.APPROVE, P.REPORTS_SUBMIT}
_ALL = set(Permission)
_ADMIN = {P.COMPLAINT_VIEW, P.ADMIN_USERS, P.ADMIN_ROLES, P.ADMIN_SETTINGS, P.ADMIN_AUDIT,
          P.REPORTS_VIEW, P.CUSTOMER_PRIVACY}

# (key, Chinese name, permissions); the key is stable, the name is what the tenant sees.
DEALER_ROLES = [
    ("front_desk", "门卫/前台", {P.COMPLAINT_VIEW, P.COMPLAINT_CREATE}),
    ("service_advisor", "服务顾问", _DEPT),
    ("sales_advisor", "销售顾问", _DEPT),
    ("parts_manager", "配件经理", _DEPT),
    ("service_manager", "服务经理/总监", _MANAGER),
    ("sales_director", "销售总监/零售经理", _MANAGER),
    ("complaint_specialist", "投诉专员", _CS),
    ("general_manager", "总经理", _ALL - {P.ADMIN_USERS, P.ADMIN_ROLES}),
    ("tenant_admin", "系统管理员", _ADMIN),
]
PROPERTY_ROLES = [
    ("cs_staff", "客服人员", _CS),
    ("cs_supervisor", "客服主管", _MANAGER),
    ("sales_manager", "销售部经理", _DEPT),
    ("property_handler", "物业公司", _DEPT),
    ("legal", "综合部/法务", _DEPT),
    ("general_manager", "项目公司总经理", _ALL - {P.ADMIN_USERS, P.ADMIN_ROLES}),
    ("tenant_admin", "系统管理员", _ADMIN),
]

DEALER_DEPARTMENTS = ["售后服务部", "销售部", "配件部", "客户关系部", "财务部"]
PROPERTY_DEPARTMENTS = ["客服中心", "工程部", "物业服务部", "销售部", "综合部"]

DEALER_CATEGORIES = ["维修质量", "服务态度", "收费争议", "配件供应", "等待时间",
                     "产品质量", "销售承诺", "救援服务", "其他"]
PROPERTY_CATEGORIES = ["房屋渗漏", "交付延期", "电梯故障", "维修服务", "施工噪音",
                       "收费争议", "墙体开裂", "服务态度", "其他"]


def defaults_for(kind: str) -> dict:
    """Roles, departments and categories seeded for a new tenant of this kind."""
    if kind == "property":
        return {"roles": PROPERTY_ROLES, "departments": PROPERTY_DEPARTMENTS,
                "categories": PROPERTY_CATEGORIES}
    return {"roles": DEALER_ROLES, "departments": DEALER_DEPARTMENTS,
            "categories": DEALER_CATEGORIES}


HQ_PERMISSIONS = {
    "admin": {"hq.view", "hq.dispatch", "hq.approve", "hq.manage"},
    "viewer": {"hq.view"},
}


def parse_permissions(text: str) -> frozenset[str]:
    """Known permissions in a stored permission string; unknown words are dropped."""
    known = {p.value for p in Permission}
    return frozenset(word for word in text.split() if word in known)


def format_permissions(perms) -> str:
    return " ".join(sorted(str(p) for p in perms))
