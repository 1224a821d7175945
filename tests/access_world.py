"""One of everything a URL can name, in each demo tenant, written with marker strings (canaries).

`build(app)` gives every tenant of the demo networks a major complaint with notes, attachments, a
support request, a downgrade approval, a crisis file with its plan and a statement, a major-complaint
analysis, an HQ comment; a complaint taken through every step (findings, transfer slip, plan, the
customer's answer, implementation) and its revisit call; a supervision order with a milestone and
progress; an HQ work order; a private and a shared case; a submitted monthly report; a delegation, a
batch, a category, a department led by a new member, a role, a checklist question and customer-link
contact texts. A member of two tenants (TWIN) also works in dealer-sh02.

Every text a person typed carries a marker unique to its tenant ("KC-SH02-note"): a marker of one
tenant on a page served to another tenant (or to the other network's HQ) is a leak. Shared cases
carry "NC-" markers instead: the network may read them, the other network may not.
"""
import datetime
import io
from dataclasses import dataclass, field

from werkzeug.datastructures import FileStorage

from portal import scope
from portal.db import now
from portal.tenancy.models import Tenant
from tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%canary\n"


@dataclass
class Place:
    """One tenant's rows, by the kind of object a URL argument names, and its markers."""

    slug: str
    tenant_id: int
    network: str
    code: str = ""
    ids: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)  # complaint number -> "tenant" or "network" (a shared case's)
    markers: set = field(default_factory=set)  # never outside the tenant and its own HQ
    network_markers: set = field(default_factory=set)  # shared with the network, never outside it
    token: str = ""  # the customer's status link of the main complaint

    def mark(self, what: str, shared: bool = False) -> str:
        text = f"{'NC' if shared else 'KC'}-{self.code}-{what}"
        (self.network_markers if shared else self.markers).add(text)
        return text


def upload(name: str, data: bytes = PNG) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def build(app) -> dict[str, Place]:
    """Seed every demo tenant (demo data must be there already); returns slug -> Place."""
    places = {}
    with app.app_context(), scope.scoped(scope.SYSTEM):
        tenants = list(Tenant.select().order_by(Tenant.id))
        networks = {t.id: t.network.slug for t in tenants}
    for tenant in tenants:
        place = Place(tenant.slug, tenant.id, networks[tenant.id], tenant.code)
        with app.app_context(), scope.scoped(scope.for_tenant(tenant)):
            _seed_tenant(tenant, place)
        places[tenant.slug] = place
    for place in places.values():
        _seed_from_hq(app, place)
    _seed_twin(app, places["dealer-sh02"])
    return places


TWIN = "twin@svw-group.demo"  # a member of dealer-sh01 and dealer-sh02: sh01's pages must not show sh02's rows


def _seed_twin(app, p: Place) -> None:
    """The twin works in dealer-sh02 too: a note, a downgrade request and a delegation there."""
    from portal.accounts.actions import create_user, hash_password
    from portal.approvals import actions as approvals
    from portal.complaints import actions as complaints
    from portal.complaints.models import Complaint
    from portal.tenancy.actions import add_member
    from tests.conftest import HASH
    with app.app_context(), scope.scoped(scope.SYSTEM):
        twin = create_user(TWIN, "集团总经理", password_hash=hash_password("kesu-demo", HASH))
        for slug in ("dealer-sh01", "dealer-sh02"):
            add_member(Tenant.get(Tenant.slug == slug), twin, "general_manager")
    with app.app_context(), scope.scoped(scope.for_tenant(Tenant.get(Tenant.slug == p.slug))):
        c = Complaint.get_by_id(f.complaint(p.slug, description="已起诉，法院已立案 " + p.mark("twin-complaint"),
                                            plate=None, phone="13700000005").id)
        complaints.add_note(c, twin, p.mark("twin-note"))
        approvals.request_downgrade(c, twin, "hot", p.mark("twin-downgrade"))
        approvals.delegate(Tenant.get(Tenant.slug == p.slug), twin, f.user(f"cs@{p.slug}.demo"), now(),
                           now() + datetime.timedelta(days=2), p.mark("twin-away"))
        p.numbers[c.number] = "tenant"


def _seed_tenant(tenant, p: Place) -> None:
    from portal.approvals import actions as approvals
    from portal.cases import actions as cases
    from portal.complaints import actions as complaints
    from portal.complaints.files import save_uploads
    from portal.complaints.models import Complaint, Customer
    from portal.complaints.rules import Move
    from portal.crisis import actions as crisis
    from portal.notify.models import OutboxMessage
    from portal.reports import actions as reports, background
    from portal.reports.rules import Period
    from portal.revisits import actions as revisits
    from portal.revisits import checklist
    from portal.sla import settings
    from portal.sla.models import Batch
    from portal.status import links
    from portal.supervision import actions as supervision
    from portal.support import actions as support
    from portal.tenancy import admin

    slug = tenant.slug
    gm, cs, admin_user = (f.user(f"{who}@{slug}.demo") for who in ("gm", "cs", "admin"))
    ids = p.ids

    # Configuration: category, role, a department led by a new member, batch, checklist, link texts.
    category = admin.save_category(admin_user, tenant, None, name=p.mark("category"), position=0, active=True)
    role = admin.create_role(admin_user, tenant, name=p.mark("role"), permissions=["complaint.view"])
    member = admin.create_member(admin_user, tenant, name=p.mark("member"), email=f"canary@{slug}.test",
                                 role=role, password="Walk-Kesu-2024!x")
    department = admin.save_department(admin_user, tenant, None, name=p.mark("department"), leader=member.user,
                                       active=True)
    batch = Batch.create(tenant=tenant, key=p.mark("batch"), name=p.mark("batch-name"), kind="product", size=10)
    template = checklist.template_for(tenant)
    checklist.add_item(tenant, admin_user, "checklist", p.mark("question"), False, "text", template.version)
    settings.save(tenant, links.SETTINGS, {"contact_address": p.mark("contact-address"),
                                           "contact_hours": p.mark("contact-hours")}, admin_user, 0)
    ids.update(category=category.id, role=role.id, member=member.id, department=department.id, batch=batch.id,
               user=member.user_id)

    # The main complaint: major (a lawsuit), every kind of text on it.
    main = f.complaint(slug, customer_name=p.mark("customer"), email=f"kc@{p.mark('mail').lower()}.test",
                       address=p.mark("address"), description="已起诉，法院已立案 " + p.mark("description"),
                       customer_request=p.mark("request"), plate=None, category=category,
                       batch_key=batch.key)
    main = Complaint.get_by_id(main.id)
    complaints.add_note(main, gm, p.mark("note"))
    complaints.add_note(main, cs, p.mark("public-note"), public=True)
    attachments = save_uploads(main, [upload(p.mark("photo") + ".png"), upload(p.mark("scan") + ".pdf", PDF)], cs)
    f.advance(main, Move.START_INVESTIGATION, slug)
    approval = approvals.request_downgrade(Complaint.get_by_id(main.id), gm, "hot", p.mark("downgrade"))
    # The crisis file (its clocks run through pauses, so the order against the support request does not matter).
    file = crisis.declare(Complaint.get_by_id(main.id), gm, p.mark("crisis-summary"))
    crisis.submit_plan(file, gm, p.mark("crisis-plan"))
    crisis.record_statement(crisis.file_for(main), gm, "contact", "customer", p.mark("crisis-statement"))
    request = support.request(Complaint.get_by_id(main.id), gm, "parts", description=p.mark("support"),
                              lines=[{"part_name": p.mark("part"), "part_number": "P-1", "quantity": 1}])
    # A supervision order issued by hand (the crisis issued one on the main complaint by itself).
    ordered = f.complaint(slug, description=p.mark("ordered-complaint"), plate=None, phone="13700000004")
    order = supervision.issue(ordered, gm, department=department, reason=p.mark("order"), cc=[member.user],
                              milestones=[{"title": p.mark("milestone"), "due_at": now() + datetime.timedelta(days=3),
                                           "owner": member.user}])
    milestone = order.milestones.get()
    supervision.report_progress(order, gm, p.mark("progress"), files=[upload(p.mark("progress-file") + ".png")])
    reports.save(tenant, gm, "major", str(main.id), p.mark("major-analysis"), 0, Complaint.get_by_id(main.id))
    ids.update(complaint=main.id, major=main.id, attachment=attachments[0].id, approval=approval.id,
               support=request.id, crisis=file.id, order=order.id, milestone=milestone.id)
    p.token = links.token_for(Complaint.get_by_id(main.id))

    # A complaint carried out and revisited: the call's comment and text answer are on its revisit page.
    done = f.implemented(slug, customer_name=p.mark("revisit-customer"), description=p.mark("revisit-description"),
                         plate=None, phone="13700000001")
    task = f.open_revisit(done)
    answers = f.checklist_answers(tenant, **{p.mark("question"): p.mark("revisit-answer")})
    revisits.record_revisit(task, cs, "satisfied", answers, p.mark("revisit-comment"), 1, True)
    ids.update(revisit=task.id, closed=done.id)
    p.numbers.update({main.number: "tenant", done.number: "tenant", ordered.number: "tenant"})

    # Two more closed complaints, written up as a private and as a shared case.
    for shared in (False, True):
        c = f.complaint(slug, description=p.mark("case-complaint", shared), plate=None, phone=f"1370000000{2 + shared}",
                        customer_name=p.mark("case-customer", shared))
        c = f.advance(c, Move.REVISIT, slug)
        p.numbers[c.number] = "network" if shared else "tenant"
        sections = {s: p.mark(f"case-{s}", shared) for s in ("scenario", "cause", "practice", "handling",
                                                             "improvements")}
        case = cases.create(tenant, gm, Complaint.get_by_id(c.id), {
            "title": p.mark("case-title", shared), **sections, "grade": "general", "tags": p.mark("tag", shared),
            "category": admin.save_category(admin_user, tenant, None, name=p.mark("case-category", True), position=9,
                                            active=True) if shared else category})
        if shared:
            cases.share(case, gm, True)
        ids["shared_case" if shared else "case"] = case.id

    # The monthly report of this month, submitted to HQ with its analysis.
    month = Period.month_of(now().date()).label
    report = reports.submit(tenant, gm, "monthly", month, p.mark("monthly-analysis"), 0)
    ids.update(report=report.id, month=month)
    ids["export"] = background.start(tenant, gm, Period.parse(month))["token"]  # prepared at once (HUEY_IMMEDIATE)

    away = approvals.delegate(tenant, gm, cs, now(), now() + datetime.timedelta(days=2), p.mark("away"))
    ids["delegation"] = away.id
    ids["message"] = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get().id
    ids["customer"] = Customer.get(Customer.name == p.mark("customer")).id


def _seed_from_hq(app, p: Place) -> None:
    """HQ dispatches a work order to the tenant and comments on its main complaint (as its HQ would)."""
    client = app.test_client()
    hq = f"hq@{p.network}.demo"
    assert client.post("/login", data={"email": hq, "password": "kesu-demo"}).status_code == 303
    form = {"tenant": p.tenant_id, "source": "phone", "response_hours": "24", "kind": "complaint",
            "customer_name": p.mark("wo-customer"), "phone": "13911112222", "description": p.mark("work-order"),
            "complainants": "1", "intake_key": f"canary-{p.slug}"}
    response = client.post("/hq/work-orders/new", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    p.ids["work_order"] = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    response = client.post(f"/hq/complaints/{p.ids['complaint']}/comment", data={"body": p.mark("hq-comment")})
    assert response.status_code in (200, 303), response.status_code


def fingerprint() -> dict:
    """Rows per table, and the sum of the version columns (an edit moves it): what a refusal must not change."""
    from peewee import fn

    from portal.models import ALL_MODELS
    counts = {}
    with scope.scoped(scope.SYSTEM):
        for model in ALL_MODELS:
            query = model.select(fn.COUNT(model._meta.primary_key or "*"))
            counts[model.__name__] = query.scalar()
            if "version" in model._meta.fields:
                counts[f"{model.__name__}.version"] = model.select(fn.SUM(model.version)).scalar()
    return counts
