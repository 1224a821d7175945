"""Demo complaints for `make run`: the typical cases of DOMAIN.md §10 at every step of the process.

Every change goes through the complaint verbs (intake, move, assign, add_note, link, merge) with
the demo users as actors, so the timelines, events and outbox look as if staff had done the work.
Nothing is backdated: the deadline clocks, the escalation rules and the timeline all start from
the moment of intake, and a receipt time moved back alone would contradict them on every page.
"""
import random

from .accounts.models import User
from .complaints import actions
from .complaints.models import Complaint
from .db import atomic
from .demo_stories import DEALER, PROPERTY
from .scope import for_tenant, scoped
from .tenancy.models import Category, Department, Tenant

TENANTS = ["dealer-sh01", "dealer-sh02", "prop-bj01", "prop-bj02"]

# --- the people, vehicles and units -----------------------------------------------------------

DEALER_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞", "徐涛", "孙丽",
                "曹勇", "邓超", "许婷", "冯刚", "韩雪", "彭飞", "蒋文", "沈阳"]
PROPERTY_NAMES = ["马俊", "朱红", "胡斌", "郭丽", "何平", "高峰", "林琳", "罗刚", "郑洁", "梁晨", "宋雨", "谢军",
                  "唐敏", "韩梅", "曾强", "董洁", "袁野", "潘婷", "杜鹏", "程琳"]
MODELS = ["朗逸", "帕萨特", "途观L", "速腾", "迈腾", "途岳", "凌渡", "探岳"]
PROJECTS = {"prop-bj01": "万家·朝阳花园", "prop-bj02": "万家·海淀学府"}


def customer_data(tenant, index: int) -> dict:
    """The intake fields of the tenant's customer number `index` (same index, same person)."""
    rnd = random.Random(f"{tenant.slug}:{index}")  # noqa: S311 - repeatable made-up demo people, no secret
    shift = TENANTS.index(tenant.slug) * 5 if tenant.slug in TENANTS else 0
    names = PROPERTY_NAMES if tenant.kind == "property" else DEALER_NAMES
    data = {"customer_name": names[(index + shift) % len(names)],
            "phone": f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}", "email": "", "address": ""}
    if index % 4 == 1:
        data["email"] = f"customer{index}.{tenant.code.lower()}@example.com"
    if tenant.kind == "property":
        building = f"{rnd.randint(1, 12)}号楼"
        data.update(project=PROJECTS.get(tenant.slug, tenant.name), building=building,
                    unit=f"{rnd.randint(1, 3)}单元{rnd.randint(2, 28)}0{rnd.randint(1, 4)}",
                    address=f"{PROJECTS.get(tenant.slug, tenant.name)} {building}")
    else:
        data.update(vehicle_model=MODELS[index % len(MODELS)], mileage=rnd.randint(3, 90) * 1000,
                    plate=f"沪{rnd.choice('ABCDEFGHJKLMN')}{rnd.randrange(10**5):05d}",
                    vin=f"LSV{rnd.choice('ACDG')}{rnd.choice('ABCE')}{rnd.randint(1, 9)}187{rnd.choice('EFGH')}"
                        f"{rnd.randint(1, 3)}{rnd.randrange(10**6):06d}")
    return data


# --- seeding ----------------------------------------------------------------------------------

def seed(slugs=None) -> dict[str, int]:
    """Add the demo complaints to every demo tenant that has none yet; returns how many per tenant."""
    added = {}
    for slug in slugs or TENANTS:
        tenant = Tenant.get_or_none(Tenant.slug == slug)
        if tenant is None:
            continue
        with scoped(for_tenant(tenant)), atomic():
            if Complaint.select().exists():
                continue
            stories = PROPERTY if tenant.kind == "property" else DEALER
            added[slug] = _tell(tenant, stories)
    return added


class Cast:
    """The demo users, departments and categories of one tenant, looked up by short names."""

    def __init__(self, tenant):
        self.tenant = tenant
        self.users, self.permissions = {}, {}
        self.departments = {d.name: d for d in Department.select()}
        self.categories = {c.name: c for c in Category.select()}

    def user(self, prefix):
        if prefix not in self.users:
            user = User.get(User.email == f"{prefix}@{self.tenant.slug}.demo")
            self.users[prefix] = user
            self.permissions[prefix] = actions.permissions_of(user, self.tenant)
        return self.users[prefix]


def _tell(tenant, stories) -> int:
    cast, done = Cast(tenant), {}
    for story in stories:
        data = {"kind": story.kind, "channel": story.channel, "category": cast.categories[story.category],
                "description": story.description, "customer_request": story.request, "complainants": 1,
                "vip": False, **customer_data(tenant, story.customer), **story.extra}
        complaint, _ = actions.intake(tenant, cast.user("cs"), data)
        for actor, verb, payload in story.steps:
            act(cast, complaint, cast.user(actor), verb, payload, done)
        done[story.key] = complaint
    return len(done)


def act(cast, complaint, actor, verb, payload, done) -> None:
    if verb == "note":
        actions.add_note(complaint, actor, payload["body"], public=payload["public"])
    elif verb == "assign":
        actions.assign(complaint, actor, department=cast.departments.get(payload["department"]),
                       assignee=cast.user(payload["assignee"]) if payload["assignee"] else None)
    elif verb == "merge":
        actions.merge(complaint, done[payload["other"]], actor)
    elif verb == "link":
        actions.link(complaint, done[payload["other"]], actor, payload["kind"])
    else:
        data = dict(payload)
        if "department" in data:
            data["department"] = cast.departments[data["department"]]
            data["assignee"] = cast.user(data["assignee"]) if data["assignee"] else None
        actions.move(complaint, verb, actor, cast.permissions[_prefix(actor)], data)


def _prefix(user) -> str:
    return user.email.partition("@")[0]
