"""Headquarters: dispatch (工单下发) and the tenant's answer, oversight of any complaint, tenant management."""
import datetime
import html
import json
import re

from portal import scope
from portal.complaints.models import Complaint, Note
from portal.complaints.rules import Move, Status
from portal.events import Event
from portal.hq.models import WorkOrder
from portal.notify.models import OutboxMessage
from portal.sla.models import Deadline, NetworkSetting
from portal.tenancy.models import Network, Tenant
from tests import factories as f
from tests.conftest import translated

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
    assert wo.number in page and translated(app, "Accept the work order") in page
    response = cs.post(f"/t/dealer-sh01/work-orders/{wo.id}/accept", data={"note": "已联系客户，明早复查", "version": wo.version})
    assert response.status_code == 303
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
        handover = Deadline.get((Deadline.complaint == wo.complaint_id) & (Deadline.kind == "handover"))
    assert wo.status == "accepted" and wo.response_on_time is True and wo.response_note == "已联系客户，明早复查"
    assert handover.met_at == wo.responded_at and handover.on_time is True
    hq_page = login(HQ).get(f"/hq/work-orders/{wo.id}").get_data(as_text=True)
    assert "已联系客户，明早复查" in hq_page and translated(app, "in time") in hq_page

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
    assert translated(app, "met on time") in login(HQ).get(f"/hq/work-orders/{wo.id}").get_data(as_text=True)


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
    assert "车辆在闵行店保养，非本店客户" in tenant_page and translated(app, "Accept the work order") not in tenant_page


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
    assert old.status == Status.REDIRECTED and wo.status == "dispatched" and wo.tenant_id == new.tenant_id
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


# --- oversight of any complaint ---------------------------------------------------------------------

def sh01_complaint(app, **overrides):
    with scope.scoped(scope.for_tenant(tenant("dealer-sh01"))), app.app_context():
        return f.complaint(**overrides)


def test_an_hq_comment_is_an_internal_note_the_tenant_sees(app, login):
    c = sh01_complaint(app)
    response = login(HQ).post(f"/hq/complaints/{c.id}/comment", data={"body": "请今天内联系客户并回报总部"})
    assert response.status_code == 303
    with in_network():
        note = Note.get(Note.complaint == c.id)
    assert note.author.email == HQ and not note.public and not note.from_customer
    page = login("cs@dealer-sh01.demo", c=app.test_client()).get(f"/t/dealer-sh01/complaints/{c.id}")
    assert "请今天内联系客户并回报总部" in page.get_data(as_text=True)


def test_hq_raises_a_grade_and_as_approver_of_major_may_lower_it(app, login):
    c = sh01_complaint(app)
    client = login(HQ)
    assert client.post(f"/hq/complaints/{c.id}/grade", data={"grade": "major", "reason": "媒体已关注"}).status_code == 303
    assert client.post(f"/hq/complaints/{c.id}/grade", data={"grade": "hot", "reason": ""}).status_code == 422
    assert client.post(f"/hq/complaints/{c.id}/grade", data={"grade": "hot", "reason": "已澄清，非媒体曝光"}).status_code == 303
    with in_network():
        kinds = [e.kind for e in Event.select().where((Event.subject_id == c.id) & Event.kind.startswith("grade."))
                 .order_by(Event.id)]
        assert Complaint.get_by_id(c.id).grade == "hot"
    assert kinds == ["grade.raised", "grade.lowered"]


def test_an_hq_viewer_sees_but_does_not_act(app, login):
    from portal.accounts.actions import create_user
    from portal.tenancy.actions import add_hq_member
    with app.app_context():
        viewer = create_user("auditor@svw.demo", "审计", "kesu-demo", method="scrypt:1024:8:1")
        add_hq_member(Network.get(Network.slug == "svw"), viewer, "viewer")
    c = sh01_complaint(app)
    client = login("auditor@svw.demo")
    assert client.get(f"/hq/complaints/{c.id}").status_code == 200
    assert client.post(f"/hq/complaints/{c.id}/grade", data={"grade": "major", "reason": "x"}).status_code == 403
    assert client.post(f"/hq/complaints/{c.id}/comment", data={"body": "x"}).status_code == 403
    assert client.get("/hq/work-orders/new").status_code == 403
    assert client.get("/hq/tenants").status_code == 403


def test_hq_puts_a_complaint_under_supervision(app, login, mailbox):
    from portal.supervision.models import SupervisionOrder
    c = sh01_complaint(app)
    client = login(HQ)
    assert client.post(f"/hq/complaints/{c.id}/supervision", data={"reason": ""}).status_code == 422
    assert client.post(f"/hq/complaints/{c.id}/supervision", data={"reason": "客户多次投诉，请督办"}).status_code == 303
    assert client.post(f"/hq/complaints/{c.id}/supervision", data={"reason": "again"}).status_code == 422
    with in_network():
        order = SupervisionOrder.get(SupervisionOrder.complaint == c.id)
        told = [m.recipient for m in OutboxMessage.select().where(OutboxMessage.subject.contains(c.number))]
    assert order.issued_by.email == HQ and order.reason == "客户多次投诉，请督办"
    assert "cs@dealer-sh01.demo" in told
    assert "客户多次投诉，请督办" not in client.get("/hq/complaints?supervised=1").get_data(as_text=True)
    assert c.number in client.get(f"/hq/complaints?supervised=1&tenant={c.tenant_id}").get_data(as_text=True)


def test_hq_takes_over_a_major_complaint_and_handles_its_steps(app, login):
    c = sh01_complaint(app)
    client = login(HQ)
    refused = client.post(f"/hq/complaints/{c.id}/take-over", data={"takeover-reason": "重大投诉"})
    assert refused.status_code == 422
    assert translated(app, "Headquarters takes over major complaints only.") in refused.get_data(as_text=True)
    client.post(f"/hq/complaints/{c.id}/grade", data={"grade": "major", "reason": "已起诉"})
    assert client.post(f"/hq/complaints/{c.id}/take-over", data={"takeover-reason": "总部直接处理"}).status_code == 303
    page = client.get(f"/hq/complaints/{c.id}").get_data(as_text=True)
    assert translated(app, "Next step (headquarters handles it)") in page
    stale = client.post(f"/hq/complaints/{c.id}/step/start_investigation", data={"version": c.version})
    assert stale.status_code == 409  # the grade change and the take-over moved the version on
    with in_network():
        version = Complaint.get_by_id(c.id).version
    response = client.post(f"/hq/complaints/{c.id}/step/start_investigation", data={"version": version})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with in_network():
        c = Complaint.get_by_id(c.id)
        assert c.status == "investigating" and c.assignee.email == HQ
    tenant_page = login("cs@dealer-sh01.demo", c=app.test_client()).get(f"/t/dealer-sh01/complaints/{c.id}")
    panel = re.search(r'id="hq-work-order">(.*?)</section>', tenant_page.get_data(as_text=True), re.S).group(1)
    assert "总部客服管理部" in panel  # the take-over, shown to the tenant


def test_steps_from_hq_need_a_take_over(app, login):
    c = sh01_complaint(app)
    assert login(HQ).post(f"/hq/complaints/{c.id}/step/start_investigation", data={"version": c.version}).status_code == 403


def test_hq_acknowledges_a_mandatory_written_report(app, login):
    c = sh01_complaint(app, description="安全气囊未弹出，客户受伤")
    with in_network():
        assert Complaint.get_by_id(c.id).report_required
    client = login(HQ)
    assert c.number in client.get("/hq/inbox").get_data(as_text=True)
    assert client.post(f"/hq/complaints/{c.id}/report-review", data={"note": "已阅，请跟进"}).status_code == 303
    assert c.number not in client.get("/hq/inbox").get_data(as_text=True)
    with in_network():
        assert Event.select().where((Event.subject_id == c.id) & (Event.kind == "hq.report_reviewed")).count() == 1


# --- the inbox: decisions routed to HQ, support requests ---------------------------------------------

def test_hq_decides_a_downgrade_of_a_major_complaint_from_its_inbox(app, login):
    from portal.approvals import actions as approvals
    c = sh01_complaint(app)
    login(HQ).post(f"/hq/complaints/{c.id}/grade", data={"grade": "major", "reason": "已起诉"})
    with scope.scoped(scope.for_tenant(tenant("dealer-sh01"))), app.app_context():
        c = Complaint.get_by_id(c.id)
        approval = approvals.request_downgrade(c, f.user("manager@dealer-sh01.demo"), "hot", "诉讼已撤回")
    client = login(HQ)
    inbox = client.get("/hq/inbox").get_data(as_text=True)
    assert "诉讼已撤回" in inbox and c.number in inbox
    response = client.post(f"/hq/approvals/{approval.id}/decide",
                           data={f"a{approval.id}-decision": "approve", f"a{approval.id}-comment": "同意降级",
                                 f"a{approval.id}-version": approval.version})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with in_network():
        assert Complaint.get_by_id(c.id).grade == "hot"
    assert "诉讼已撤回" not in client.get("/hq/inbox").get_data(as_text=True)


def test_hq_answers_a_tenants_support_request(app, login):
    from portal.support import actions as support
    from portal.support.models import SupportRequest
    c = sh01_complaint(app)
    with scope.scoped(scope.for_tenant(tenant("dealer-sh01"))), app.app_context():
        row = support.request(Complaint.get_by_id(c.id), f.user("manager@dealer-sh01.demo"), "technical",
                              description="大灯闪烁，需要厂家技术支持")
    client = login(HQ)
    assert "大灯闪烁，需要厂家技术支持" in client.get("/hq/inbox").get_data(as_text=True)
    response = client.post(f"/hq/support/{row.id}/answer", data={f"s{row.id}-answer": "更换大灯总成，按保修处理"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with in_network():
        row = SupportRequest.get_by_id(row.id)
    assert row.status == "answered" and row.answered_by_hq and row.answer == "更换大灯总成，按保修处理"


# --- tenant management and network defaults -------------------------------------------------------------

def test_an_hq_admin_creates_a_tenant_seeded_for_its_kind(app, login):
    from portal.tenancy.models import Category, Role
    client = login("hq@prop.demo")
    data = {"name": "北京通州项目公司", "slug": "prop-bj03", "code": "BJ03", "kind": "property",
            "timezone": "Asia/Shanghai", "admin_name": "通州管理员", "admin_email": "admin@prop-bj03.demo",
            "admin_password": "short"}
    assert client.post("/hq/tenants", data=data).status_code == 422
    assert client.post("/hq/tenants", data={**data, "admin_password": "tongzhou-2026"}).status_code == 303
    new = tenant("prop-bj03")
    with scope.scoped(scope.for_tenant(new)):
        roles = {r.key for r in Role.select()}
        categories = {c.name for c in Category.select()}
    assert new.network.slug == "prop" and "cs_supervisor" in roles and "房屋渗漏" in categories
    admin = login("admin@prop-bj03.demo", password="tongzhou-2026", c=app.test_client())
    assert admin.get("/t/prop-bj03/admin/").status_code == 200
    assert client.post("/hq/tenants", data={**data, "admin_password": "tongzhou-2026"}).status_code == 422  # taken


def test_suspending_a_tenant_blocks_its_users_next_request(app, login):
    cs = login("cs@dealer-sh02.demo", c=app.test_client())
    assert cs.get("/t/dealer-sh02/complaints/").status_code == 200
    client = login(HQ)
    assert client.post(f"/hq/tenants/{tenant('dealer-sh02').id}/suspend", data={"reason": "停业整顿"}).status_code == 303
    assert cs.get("/t/dealer-sh02/complaints/").status_code == 404  # the very next request
    assert login("cs@dealer-sh01.demo", c=app.test_client()).get("/t/dealer-sh01/complaints/").status_code == 200
    assert "上海闵行二店" not in [o for o in client.get("/hq/work-orders/new").get_data(as_text=True).split("<option")
                                 if "上海闵行二店" in o and "selected" in o]
    assert client.post(f"/hq/tenants/{tenant('dealer-sh02').id}/reactivate", data={}).status_code == 303
    assert cs.get("/t/dealer-sh02/complaints/").status_code == 200
    with in_network():
        kinds = [e.kind for e in Event.select().where(Event.subject_type == "tenant").order_by(Event.id)]
    assert kinds == ["tenant.suspended", "tenant.reactivated"]


def test_a_suspended_tenant_gets_no_work_orders(app, login):
    client = login(HQ)
    client.post(f"/hq/tenants/{tenant('dealer-sh02').id}/suspend", data={"reason": ""})
    response = client.post("/hq/work-orders/new", data=dispatch_form(tenant("dealer-sh02").id))
    assert response.status_code == 422


def test_tenants_inherit_the_network_defaults_unless_they_set_their_own(app, login):
    from portal.sla import settings
    client = login(HQ)
    page = client.get("/hq/settings/deadlines").get_data(as_text=True)
    version = 0
    form = {name: value for name, value in settings.DEFAULTS["deadlines"].items() if name != "pause_allowed"}
    form.update(reply_days=7, completion_days=15, pause_allowed="y", version=version)
    assert translated(app, "built-in default") in page
    assert client.post("/hq/settings/deadlines", data=form).status_code == 303
    with app.app_context(), scope.scoped(scope.SYSTEM):
        assert settings.load(tenant("dealer-sh01"), "deadlines")["reply_days"] == 7
        assert settings.load(tenant("prop-bj01"), "deadlines")["reply_days"] == 5  # another network
    admin = login("admin@dealer-sh01.demo", c=app.test_client())
    tenant_page = admin.get("/t/dealer-sh01/settings/deadlines").get_data(as_text=True)
    assert translated(app, "inherited from headquarters") in tenant_page
    with app.app_context(), scope.scoped(scope.for_tenant(tenant("dealer-sh02"))):
        settings.save(tenant("dealer-sh02"), "deadlines", {"reply_days": 3}, f.user("admin@dealer-sh02.demo"), 0)
        assert settings.load(tenant("dealer-sh02"), "deadlines")["reply_days"] == 3  # its own value wins
    stale = client.post("/hq/settings/deadlines", data=form)
    assert stale.status_code == 409


def test_network_escalation_thresholds_are_validated_and_inherited(app, login):
    from portal.sla import escalation
    client = login(HQ)
    page = client.get("/hq/settings/escalation").get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    lists = {k: html.unescape(v) for k, v in re.findall(r'<textarea id="\w+" name="(\w+)" rows="3">([^<]*)</textarea>', page)}
    form = {**fields, **lists}
    assert client.post("/hq/settings/escalation", data={**form, "collective_hot": "9"}).status_code == 422
    assert client.post("/hq/settings/escalation", data={**form, "cluster_size": "4"}).status_code == 303
    with app.app_context(), scope.scoped(scope.for_tenant(tenant("dealer-sh01"))):
        assert escalation.thresholds_for(tenant("dealer-sh01")).cluster_size == 4
    with in_network():
        stored = json.loads(NetworkSetting.get(NetworkSetting.key == "escalation").value)
    assert stored == {"cluster_size": 4}  # only what differs from the built-in defaults
