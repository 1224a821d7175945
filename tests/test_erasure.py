"""Erasure leaves no personal data behind: a crawl of every table, and intake racing an erasure."""
import datetime
import threading
import time

import pytest
from peewee import BlobField, CharField, TextField

from portal import privacy, scope
from portal.approvals import actions as approvals
from portal.cases import actions as cases
from portal.cases.models import Case, CaseGram
from portal.complaints import actions as complaint_actions
from portal.complaints.models import Complaint, Customer
from portal.complaints.rules import TRANSITIONS, Move
from portal.crisis import actions as crisis
from portal.customers import erasure
from portal.db import database, now
from portal.hq import actions as hq_actions
from portal.hq import oversight
from portal.hq.models import WorkOrder
from portal.models import ALL_MODELS
from portal.reports import actions as reports
from portal.reports.rules import Period
from portal.revisits import actions as revisits
from portal.sla.models import Deadline
from portal.status.actions import may_mail
from portal.supervision import actions as supervision
from portal.support import actions as support
from portal.tenancy.models import Department, Tenant
from tests import factories as f
from tests.access_world import upload
from tests.test_privacy import IDENTIFIERS, WHO, customer_adds_information

SLUG = "dealer-sh01"
# What staff typed about the customer: every identifier, in every text they wrote.
SAID = (f"客户{WHO['customer_name']}（电话{WHO['phone']}，{WHO['email']}，住{WHO['address']}，"
        f"车牌{WHO['plate']}，VIN {WHO['vin']}）")
MASKED = ["欧***", "139****0001", "沪B***88", "o***@example.com"]  # how a case write-up masks them


def crawl(identifiers) -> list[tuple]:
    """Every (table, column, row, identifier) whose text holds one of the identifiers, in every table."""
    found = []
    with scope.scoped(scope.SYSTEM):
        for model in ALL_MODELS:
            columns = [c for c in model._meta.sorted_fields
                       if isinstance(c, (CharField, TextField)) and not isinstance(c, BlobField)]
            if not columns:
                continue
            key = model._meta.primary_key
            for row in model.select(key, *columns).tuples():
                for column, value in zip(columns, row[1:]):
                    found += [(model.__name__, column.name, row[0], x) for x in identifiers
                              if value and x.lower() in str(value).lower()]
    return found


def walk(c, actor, until=Move.REVISIT):
    """Take a complaint through its steps with the customer named in every text staff write."""
    texts = {Move.TRANSFER: {"findings": SAID, "instructions": SAID, "department": Department.select().first()},
             Move.PROPOSE_PLAN: {"cause": SAID, "solution": SAID},
             Move.CUSTOMER_RESPONSE: {"agreed": True, "opinion": SAID}, Move.IMPLEMENT: {"summary": SAID},
             Move.REVISIT: {"satisfaction": "satisfied"}}
    perms = complaint_actions.permissions_of(actor, Tenant.get(Tenant.slug == SLUG))
    for step in f.PATH:
        c = Complaint.get_by_id(c.id)
        if c.status in TRANSITIONS[step].sources:
            complaint_actions.move(c, step, actor, perms, texts.get(step, {}))
        if step == until:
            break
    return Complaint.get_by_id(c.id)


def everything_about_the_customer(app, client, in_tenant):
    """One customer in every table that can hold them: three complaints and all the staff wrote about them."""
    with in_tenant(SLUG) as t:
        gm, cs = f.user(f"gm@{SLUG}.demo"), f.user(f"cs@{SLUG}.demo")
        major = f.complaint(**WHO, description="已起诉，法院已立案 " + SAID, customer_request=SAID, unit="3-1502")
        complaint_actions.add_note(major, gm, SAID)
        walk(major, gm, Move.START_INVESTIGATION)
        approvals.request_downgrade(Complaint.get_by_id(major.id), gm, "hot", SAID)
        file = crisis.declare(Complaint.get_by_id(major.id), gm, SAID)
        crisis.submit_plan(file, gm, SAID)
        crisis.record_statement(crisis.file_for(major), gm, "contact", "customer", SAID)
        support.request(Complaint.get_by_id(major.id), gm, "parts", description=SAID,
                        lines=[{"part_name": SAID[:60], "part_number": "P-1", "quantity": 1}])
        reports.submit(t, gm, "major", str(major.id), SAID, 0, Complaint.get_by_id(major.id))
        done = walk(f.complaint(**WHO, description=SAID, customer_request=SAID), gm, Move.IMPLEMENT)
        order = supervision.issue(done, gm, department=Department.select().first(), reason=SAID, milestones=[
            {"title": SAID[:60], "due_at": now() + datetime.timedelta(days=3), "owner": gm}])
        supervision.report_progress(order, gm, SAID, files=[upload("progress.png")])
        answers = f.checklist_answers(t)
        answers.update({k: SAID for k, v in answers.items() if v == ""})
        revisits.record_revisit(f.open_revisit(done), cs, "satisfied", answers, SAID, 1, True)
        case = cases.create(t, gm, Complaint.get_by_id(done.id), {
            "title": SAID, "scenario": SAID, "cause": SAID, "practice": SAID, "handling": SAID,
            "improvements": SAID, "grade": "general", "tags": "", "category": done.category_id})
        cases.share(case, gm, True)
        today = datetime.date.today()
        reports.submit(t, gm, "monthly", Period.month_of(today).label, SAID, 0)
        reports.submit(t, gm, "general", Period.quarter_of(today).label, SAID, 0)
        may_mail(WHO["email"])
    customer_adds_information(app, in_tenant, major)
    hq = app.test_client()
    assert hq.post("/login", data={"email": "hq@svw.demo", "password": "kesu-demo"}).status_code == 303
    with in_tenant(SLUG) as t:
        tenant_id = t.id
    form = {"tenant": tenant_id, "source": "phone", "response_hours": "24", "kind": "complaint",
            "customer_name": WHO["customer_name"], "phone": WHO["phone"], "email": WHO["email"],
            "address": WHO["address"], "plate": WHO["plate"], "vin": WHO["vin"], "description": SAID,
            "complainants": "1", "intake_key": "erasure-crawl"}
    assert hq.post("/hq/work-orders/new", data=form).status_code == 303
    hq_user = f.user("hq@svw.demo")
    with in_tenant(SLUG):
        oversight.take_over(Complaint.get_by_id(major.id), hq_user, SAID)
        Complaint.update(report_required=True).where(Complaint.id == major.id).execute()
        oversight.review_report(Complaint.get_by_id(major.id), hq_user, SAID)
        wo = WorkOrder.select().where(WorkOrder.summary.contains(WHO["customer_name"])).get()
        hq_actions.accept(wo, f.user(f"cs@{SLUG}.demo"), SAID)
        mine = [c.id for c in Complaint.select().where(Complaint.customer == major.customer_id)]
        assert len(mine) == 3
        long_ago = now() - datetime.timedelta(days=4000)  # every complaint closed, the retention period over
        Complaint.update(status="closed", closed_at=long_ago).where(Complaint.id.in_(mine)).execute()
        Deadline.update(met_at=long_ago).where(Deadline.complaint.in_(mine) & Deadline.met_at.is_null()).execute()
        return Customer.get_by_id(major.customer_id), case.id


def test_after_erasure_no_table_holds_the_customers_identifiers(app, client, in_tenant):
    customer, case_id = everything_about_the_customer(app, client, in_tenant)
    tables = {table for table, *_ in crawl(IDENTIFIERS)}
    # the control: before the erasure the crawl finds them in the staff texts, the reports and the log
    assert {"Customer", "Complaint", "Note", "Plan", "Event", "Report", "Approval", "WorkOrder", "SupportRequest",
            "CrisisFile", "SupervisionOrder", "RevisitAnswer", "Takeover", "ReportReview", "Throttle"} <= tables
    with scope.scoped(scope.SYSTEM):
        masked_before = Case.get_by_id(case_id)
    assert any(m in masked_before.scenario for m in MASKED)  # a write-up masks the customer from the start
    with in_tenant(SLUG) as t:
        erasure.erase(customer, t, f.user(f"admin@{SLUG}.demo"))
    assert crawl(IDENTIFIERS) == []
    assert crawl(MASKED) == []  # the case study keeps its text, not even the customer's masked name or phone
    with in_tenant(SLUG):
        case = Case.get_by_id(case_id)
        grams = {g.gram for g in CaseGram.select().where(CaseGram.case == case_id)}
    assert case.shared and privacy.ERASED in case.scenario and "车牌" in case.scenario
    assert "欧阳" not in grams and "0001" not in case.search_text  # search no longer finds the customer


# --- intake racing an erasure ---------------------------------------------------------------------

def erasable_customer(in_tenant):
    with in_tenant(SLUG):
        c = f.advance(f.complaint(**WHO), Move.REVISIT)
        Complaint.update(closed_at=now() - datetime.timedelta(days=4000)).where(Complaint.id == c.id).execute()
        return Customer.get_by_id(c.customer_id)


def in_thread(app, tenant, fn, errors):
    def run():
        try:
            with app.app_context(), database.connection_context(), scope.scoped(scope.for_tenant(tenant)):
                fn()
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)
    return threading.Thread(target=run)


def test_a_complaint_taken_in_while_its_customer_is_erased_goes_to_a_new_customer(app, in_tenant, monkeypatch):
    """The erasure holds the customer; intake, matching by phone meanwhile, waits and then finds nobody."""
    customer = erasable_customer(in_tenant)
    tenant = Tenant.get(Tenant.slug == SLUG)
    locked, errors, taken = threading.Event(), [], []
    retention = erasure.queries.retention

    def slow_retention(*args):  # the erasure holds the customer's row for a moment, then goes on
        locked.set()
        time.sleep(0.5)
        return retention(*args)

    monkeypatch.setattr(erasure.queries, "retention", slow_retention)

    def intake():
        assert locked.wait(5)
        taken.append(f.complaint(**WHO, description="又来投诉"))

    eraser = in_thread(app, tenant, lambda: erasure.erase(customer, tenant, f.user(f"admin@{SLUG}.demo")), errors)
    taker = in_thread(app, tenant, intake, errors)
    for thread in (eraser, taker):
        thread.start()
    for thread in (eraser, taker):
        thread.join()
    assert errors == []
    with in_tenant(SLUG):
        erased = Customer.get_by_id(customer.id)
        new = Complaint.get_by_id(taken[0].id)
        fresh = Customer.get_by_id(new.customer_id)
        left = list(Complaint.select().where(Complaint.customer == customer.id))
    assert erased.erased_at is not None and erased.name == privacy.ERASED
    assert fresh.id != customer.id and fresh.erased_at is None and fresh.phone == WHO["phone"]
    assert [c.description for c in left] == [privacy.ERASED]


def test_an_erasure_started_during_an_intake_for_the_customer_is_refused(app, in_tenant, monkeypatch):
    """Intake holds the customer it matched by phone; the erasure waits, then sees the open complaint."""
    customer = erasable_customer(in_tenant)
    tenant = Tenant.get(Tenant.slug == SLUG)
    matched, errors, outcome = threading.Event(), [], []
    next_number = complaint_actions.next_number

    def slow_number(*args):  # intake has matched the customer and goes on for a moment
        matched.set()
        time.sleep(0.5)
        return next_number(*args)

    monkeypatch.setattr(complaint_actions, "next_number", slow_number)

    def erase():
        assert matched.wait(5)
        try:
            erasure.erase(customer, tenant, f.user(f"admin@{SLUG}.demo"))
            outcome.append("erased")
        except erasure.ErasureRefused as refused:
            outcome.append(refused.reason)

    taker = in_thread(app, tenant, lambda: f.complaint(**WHO, description="又来投诉"), errors)
    eraser = in_thread(app, tenant, erase, errors)
    for thread in (taker, eraser):
        thread.start()
    for thread in (taker, eraser):
        thread.join()
    assert errors == [] and outcome == ["open"]
    with in_tenant(SLUG):
        kept = Customer.get_by_id(customer.id)
        assert Complaint.select().where(Complaint.customer == customer.id).count() == 2
    assert kept.erased_at is None and kept.name == WHO["customer_name"]


def test_the_customers_form_on_its_way_during_an_erasure_records_nothing(app, client, login, in_tenant):
    """The link was checked, then the erasure committed: the customer's words and photos stay out."""
    from portal.complaints.models import Attachment, Note
    from portal.status import actions as status_actions
    from portal.status import links
    from portal.sla import settings
    customer = erasable_customer(in_tenant)
    with in_tenant(SLUG) as t:  # closed two months ago: the link still works, a month's retention is over
        settings.save(t, "privacy", {"retention_months": 1}, f.user(f"admin@{SLUG}.demo"), 0)
        complaint = Complaint.get(Complaint.customer == customer.id)
        Complaint.update(closed_at=now() - datetime.timedelta(days=60)).where(Complaint.id == complaint.id).execute()
        complaint = Complaint.get_by_id(complaint.id)
        opened = links.resolve(links.token_for(complaint))
        assert opened is not None
        erasure.erase(customer, t, f.user(f"admin@{SLUG}.demo"))
        with pytest.raises(status_actions.LinkGone):
            status_actions.add_info(opened.complaint, "nonce-1", SAID, [upload("licence.png")])
        assert [n.body for n in Note.select().where(Note.complaint == complaint.id)] in ([], [privacy.ERASED])
        assert Attachment.select().where(Attachment.complaint == complaint.id).count() == 0
    assert crawl(IDENTIFIERS) == []
