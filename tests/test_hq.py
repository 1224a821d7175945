"""Headquarters: dispatch (工单下发) and the tenant's answer, oversight of any complaint, tenant management."""
import datetime

import pytest

from portal import scope
from portal.complaints.models import Complaint, Note
from portal.complaints.rules import Move, Status
from portal.events import Event
from portal.hq.models import WorkOrder
from portal.notify.models import OutboxMessage
from portal.sla.models import Deadline
from portal.tenancy.models import Network, Tenant
from tests import factories as f

HQ = "hq@svw.demo"


def dispatch_form(tenant_id, **overrides):
    data = {"tenant": tenant_id, "source": "consumer_association", "response_hours": "24", "kind": "complaint",
            "customer_name": "李雷", "phone": "139 1234 5678", "email": "", "address": "", "category": "服务态度",
            "description": "客户致电12315投诉：保养后车辆异响，门店拒绝复查", "customer_request": "免费复查",
            "complainants": "1", "vehicle_model": "朗逸", "plate": "沪B54321", "vin": "", "mileage": "",
            "project": "", "building": "", "unit": "", "intake_key": "k-" + str(tenant_id)}
    data.update(overrides)
    return data


def tenant(slug) -> Tenant:
    return Tenant.get(Tenant.slug == slug)


def in_network(slug="svw"):
    return scope.scoped(scope.for_network(Network.get(Network.slug == slug)))


def dispatch(login, slug="dealer-sh01", **overrides) -> WorkOrder:
    client = login(HQ)
    response = client.post("/hq/work-orders/new", data=dispatch_form(tenant(slug).id, **overrides))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with in_network():
        return WorkOrder.select().order_by(WorkOrder.id.desc()).get()


def test_smoke(app, login):
    wo = dispatch(login)
    assert wo.status == "dispatched"


def pages_render(client, *urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:3000])


def test_every_hq_page_renders(app, login):
    wo = dispatch(login)
    client = login(HQ)
    pages_render(client, "/hq/", "/hq/comparison", "/hq/inbox", "/hq/work-orders", "/hq/work-orders/new",
                 f"/hq/work-orders/{wo.id}", "/hq/complaints", f"/hq/complaints/{wo.complaint_id}", "/hq/tenants",
                 "/hq/settings/deadlines", "/hq/settings/hq", "/hq/settings/escalation",
                 "/hq/complaints?crisis=1&tenant=1", "/hq/complaints?overdue_clock=reply",
                 "/hq/complaints?met_clock=reply", "/hq/complaints?revisited=1", "/hq/complaints?report=pending",
                 "/hq/comparison?sort=response_rate", "/hq/comparison?sort=open_total&dir=asc")
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    pages_render(cs, f"/t/dealer-sh01/complaints/{wo.complaint_id}")


# --- dispatch, response, completion ------------------------------------------------------------------

def test_a_dispatched_work_order_lands_in_the_tenants_register_with_hqs_response_deadline(app, login, mailbox):
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    wo = dispatch(login, response_hours="6")
    with in_network():
        c = Complaint.get_by_id(wo.complaint_id)
        category = c.category.name
        handover = Deadline.get((Deadline.complaint == c.id) & (Deadline.kind == "handover"))
        kinds = {d.kind for d in Deadline.select().where(Deadline.complaint == c.id)}
        events = [e.kind for e in Event.select().where((Event.subject_type == "work_order") & (Event.subject_id == wo.id))]
        mail = [m.recipient for m in OutboxMessage.select().where(OutboxMessage.subject.contains(wo.number))]
    assert c.tenant_id == tenant("dealer-sh01").id and c.channel == "hq_dispatch" and category == "服务态度"
    assert handover.clock and abs((handover.due_at - before).total_seconds() - 6 * 3600) < 60
    assert wo.response_due_at == handover.due_at
    assert {"handover", "reply", "completion"} <= kinds  # the tenant's own clocks run as for any complaint
    assert "consumer_association" in c.risk_flags.split() and c.grade == "hot"  # 12315: hot (DOMAIN.md §2)
    assert events == ["work_order.dispatched"]
    assert "cs@dealer-sh01.demo" in mail and "advisor@dealer-sh01.demo" not in mail


def test_dispatch_response_and_completion_are_tracked_on_both_sides(app, login):
    # through the hotline, nothing safety-related: no written report to HQ holds up closing
    wo = dispatch(login, source="phone", description="保养后车辆异响，门店拒绝复查")
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    page = cs.get(f"/t/dealer-sh01/complaints/{wo.complaint_id}").get_data(as_text=True)
    assert wo.number in page and "Accept the work order" in page
    response = cs.post(f"/t/dealer-sh01/work-orders/{wo.id}/accept", data={"note": "已联系客户，明早复查", "version": wo.version})
    assert response.status_code == 303
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
        handover = Deadline.get((Deadline.complaint == wo.complaint_id) & (Deadline.kind == "handover"))
    assert wo.status == "accepted" and wo.response_on_time is True and wo.response_note == "已联系客户，明早复查"
    assert handover.met_at == wo.responded_at and handover.on_time is True
    hq_page = login(HQ).get(f"/hq/work-orders/{wo.id}").get_data(as_text=True)
    assert "已联系客户，明早复查" in hq_page and "in time" in hq_page

    with in_network():
        c = Complaint.get_by_id(wo.complaint_id)
    with scope.scoped(scope.for_tenant(tenant("dealer-sh01"))), app.app_context():
        f.advance(c, Move.REVISIT)
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
        completion = Deadline.get((Deadline.complaint == wo.complaint_id) & (Deadline.kind == "completion"))
        closed_at = Complaint.get_by_id(wo.complaint_id).closed_at
        kinds = [e.kind for e in Event.select().where((Event.subject_type == "work_order") & (Event.subject_id == wo.id))
                 .order_by(Event.id)]
    assert wo.status == "completed" and wo.completed_at == closed_at and completion.met_at and completion.on_time
    assert kinds == ["work_order.dispatched", "work_order.accepted", "work_order.completed"]
    assert "met on time" in login(HQ).get(f"/hq/work-orders/{wo.id}").get_data(as_text=True)


def test_a_step_taken_before_accepting_counts_as_the_response_to_hq(app, login):
    wo = dispatch(login)
    with in_network():
        c = Complaint.get_by_id(wo.complaint_id)
    with scope.scoped(scope.for_tenant(tenant("dealer-sh01"))), app.app_context():
        f.advance(c, Move.START_INVESTIGATION)
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
    assert wo.status == "accepted" and wo.response_on_time is True


def test_a_late_response_is_recorded_late(app, login):
    wo = dispatch(login)
    with in_network():
        WorkOrder.update(response_due_at=wo.response_due_at - datetime.timedelta(days=2)).where(
            WorkOrder.id == wo.id).execute()
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    assert cs.post(f"/t/dealer-sh01/work-orders/{wo.id}/accept", data={"note": "", "version": wo.version}).status_code == 303
    with in_network():
        assert WorkOrder.get_by_id(wo.id).response_on_time is False


# --- return and redirect ---------------------------------------------------------------------------

def test_the_tenant_returns_a_misrouted_work_order_with_a_reason(app, login, mailbox):
    wo = dispatch(login)
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    empty = cs.post(f"/t/dealer-sh01/work-orders/{wo.id}/return", data={"reason": "", "version": wo.version})
    assert empty.status_code == 422
    response = cs.post(f"/t/dealer-sh01/work-orders/{wo.id}/return",
                       data={"reason": "车辆在闵行店保养，非本店客户", "version": wo.version})
    assert response.status_code == 303
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
        c = Complaint.get_by_id(wo.complaint_id)
        running = Deadline.select().where((Deadline.complaint == c.id) & Deadline.met_at.is_null()).count()
        event = Event.get((Event.subject_type == "work_order") & (Event.kind == "work_order.returned"))
        mail = [m.recipient for m in OutboxMessage.select().where(OutboxMessage.subject.contains(wo.number))]
    assert wo.status == "returned" and not c.is_open and running == 0
    assert event.tenant_id == c.tenant_id and event.loaded("data")["reason"] == "车辆在闵行店保养，非本店客户"
    assert "hq@svw.demo" in mail
    inbox = login(HQ).get("/hq/inbox").get_data(as_text=True)
    assert wo.number in inbox
    tenant_page = cs.get(f"/t/dealer-sh01/complaints/{c.id}").get_data(as_text=True)
    assert "车辆在闵行店保养，非本店客户" in tenant_page and "Accept the work order" not in tenant_page


def test_hq_redirects_a_work_order_to_another_tenant_with_a_reason(app, login):
    wo = dispatch(login)
    first = wo.complaint_id
    client = login(HQ)
    refused = client.post(f"/hq/work-orders/{wo.id}/redirect",
                          data={"tenant": tenant("dealer-sh01").id, "reason": "", "version": wo.version})
    assert refused.status_code == 422
    response = client.post(f"/hq/work-orders/{wo.id}/redirect",
                           data={"tenant": tenant("dealer-sh02").id, "reason": "客户在闵行店购车", "version": wo.version})
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
        old, new = Complaint.get_by_id(first), Complaint.get_by_id(wo.complaint_id)
        trail = [(e.kind, e.tenant.slug) for e in Event.select().where(
            (Event.subject_type == "work_order") & (Event.subject_id == wo.id)).order_by(Event.id)]
    assert new.tenant.slug == "dealer-sh02" and new.channel == "hq_dispatch" and new.is_open
    assert old.status == Status.MERGED and wo.status == "dispatched" and wo.tenant_id == new.tenant_id
    assert trail == [("work_order.dispatched", "dealer-sh01"), ("work_order.redirected", "dealer-sh01"),
                     ("work_order.dispatched", "dealer-sh02")]
    # the first tenant can no longer act on it; the second can
    cs1 = login("cs@dealer-sh01.demo", c=app.test_client())
    assert cs1.post(f"/t/dealer-sh01/work-orders/{wo.id}/accept", data={"version": wo.version}).status_code == 404
    cs2 = login("cs@dealer-sh02.demo", c=app.test_client())
    assert cs2.post(f"/t/dealer-sh02/work-orders/{wo.id}/accept", data={"version": wo.version}).status_code == 303


def test_a_returned_work_order_is_redirected_from_the_inbox(app, login):
    wo = dispatch(login)
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    cs.post(f"/t/dealer-sh01/work-orders/{wo.id}/return", data={"reason": "非本店", "version": wo.version})
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
    response = login(HQ).post(f"/hq/work-orders/{wo.id}/redirect",
                              data={"tenant": tenant("dealer-sh02").id, "reason": "改派闵行店", "version": wo.version})
    assert response.status_code == 303
    with in_network():
        assert WorkOrder.get_by_id(wo.id).status == "dispatched"


def test_returning_a_work_order_needs_the_assign_permission(app, login):
    wo = dispatch(login)
    advisor = login("advisor@dealer-sh01.demo", c=app.test_client())
    assert advisor.post(f"/t/dealer-sh01/work-orders/{wo.id}/return",
                        data={"reason": "x", "version": wo.version}).status_code == 403
    assert advisor.post(f"/t/dealer-sh01/work-orders/{wo.id}/accept", data={"version": wo.version}).status_code == 403


def test_a_stale_answer_to_a_redirected_work_order_saves_nothing(app, login):
    wo = dispatch(login)
    version = wo.version
    login(HQ).post(f"/hq/work-orders/{wo.id}/redirect",
                   data={"tenant": tenant("dealer-sh02").id, "reason": "改派", "version": version})
    cs2 = login("cs@dealer-sh02.demo", c=app.test_client())
    response = cs2.post(f"/t/dealer-sh02/work-orders/{wo.id}/accept", data={"note": "", "version": version})
    assert response.status_code == 409
    with in_network():
        assert WorkOrder.get_by_id(wo.id).status == "dispatched"
