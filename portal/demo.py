"""Demo data for `make run`: two networks, four tenants, their users (password kesu-demo)."""
from .accounts.actions import create_user, hash_password
from .db import atomic
from .scope import for_tenant, scoped
from .tenancy.actions import add_hq_member, add_member, create_network, create_tenant
from .tenancy.models import Department, Network

DEMO_PASSWORD = "kesu-demo"  # noqa: S105 - the published demo password; seed-demo refuses to run in production

NETWORKS = [
    ("svw", "上汽大众经销商网络", "dealer", [("dealer-sh01", "上海浦东一店", "SH01"),
                                           ("dealer-sh02", "上海闵行二店", "SH02")]),
    ("prop", "万家地产物业集团", "property", [("prop-bj01", "北京朝阳项目公司", "BJ01"),
                                          ("prop-bj02", "北京海淀项目公司", "BJ02")]),
]
# (login prefix, display name, dealer role key, property role key)
PEOPLE = [
    ("admin", "系统管理员", "tenant_admin", "tenant_admin"),
    ("cs", "客服专员", "complaint_specialist", "cs_staff"),
    ("manager", "服务经理", "service_manager", "cs_supervisor"),
    ("gm", "总经理", "general_manager", "general_manager"),
    ("advisor", "服务顾问", "service_advisor", None),
]
LEADER_OF = {"dealer": ("售后服务部", "manager"), "property": ("客服中心", "manager")}


def is_seeded() -> bool:
    return Network.select().exists()


def seed(hash_method: str = "scrypt") -> list[str]:
    """Create the demo networks, tenants and users; returns the created e-mail addresses."""
    hashed = hash_password(DEMO_PASSWORD, hash_method)  # one hash, shared: seeding stays fast
    emails = []
    with atomic():
        for net_slug, net_name, kind, tenants in NETWORKS:
            network = create_network(net_slug, net_name)
            hq = create_user(f"hq@{net_slug}.demo", "总部客服管理部", password_hash=hashed)
            add_hq_member(network, hq, "admin")
            emails.append(hq.email)
            for slug, name, code in tenants:
                tenant = create_tenant(network, slug, name, code, kind)
                users = {}
                for prefix, person, dealer_role, property_role in PEOPLE:
                    role = dealer_role if kind == "dealer" else property_role
                    if role is None:
                        continue
                    user = create_user(f"{prefix}@{slug}.demo", f"{person}（{code}）", password_hash=hashed)
                    add_member(tenant, user, role)
                    users[prefix] = user
                    emails.append(user.email)
                dept_name, leader = LEADER_OF[kind]
                with scoped(for_tenant(tenant)):
                    Department.update(leader=users[leader]).where(Department.name == dept_name).execute()
    return emails
