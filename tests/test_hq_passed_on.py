"""A work order the tenant returns to HQ, or HQ redirects to another tenant, leaves the register as what it is:
"returned" or "redirected" (never "merged") for the tenant's staff, for HQ and for the customer, and the
monthly report counts it apart from the register, stored figures equal to live ones."""
import re

from portal.complaints.models import Complaint
from portal.complaints.rules import ELSEWHERE, Status
from portal.events import Event
from portal.hq.models import WorkOrder
from portal.notify.models import OutboxMessage
from portal.reports import queries, rules, store
from portal.sla.models import ClusterEntry, Deadline
from tests import factories as f
from tests.conftest import translated, translated_html
from tests.test_hq import HQ, dispatch, dispatch_form, in_network, tenant
from tests.test_reports_store import this_month

INTERNAL = "内部理由"


def figures(t, live: bool) -> dict:
    period = this_month(t)
    return rules.summarise((queries if live else store).tallies([t], period)[t.id])


def badge(html: str) -> str:
    """The status badge of the complaint's heading."""
    return re.search(r'<h1>[^<]*<span class="badge (status-\w+)[^"]*">([^<]*)</span>', html).groups()


def send_back_and_pass_on(app, login, in_tenant):
    """Two work orders to dealer-sh01 (months stored first): it returns one, HQ redirects the other to sh02."""
    back = dispatch(login, intake_key="k-back", email="li@example.com")
    passed = dispatch(login, intake_key="k-passed", customer_name="韩梅梅", phone="139 8765 4321",
                      email="han@example.com")
    before = {}
    for slug in ("dealer-sh01", "dealer-sh02"):
        with in_tenant(slug) as t:
            before[slug] = figures(t, live=False)
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    assert cs.post(f"/t/dealer-sh01/work-orders/{back.id}/return",
                   data={"reason": f"非本店客户 {INTERNAL}", "version": back.version}).status_code == 303
    response = login(HQ).post(f"/hq/work-orders/{passed.id}/redirect", data={
        "tenant": tenant("dealer-sh02").id, "reason": f"客户在闵行店购车 {INTERNAL}", "version": passed.version})
    assert response.status_code == 303
    with in_network():
        returned, redirected = Complaint.get_by_id(back.complaint_id), Complaint.get_by_id(passed.complaint_id)
        new = Complaint.get_by_id(WorkOrder.get_by_id(passed.id).complaint_id)
    return returned, redirected, new, before, cs


def test_returned_and_redirected_work_orders_say_so_to_staff_hq_and_the_customer(app, client, login, in_tenant):
    returned, redirected, new, _, cs = send_back_and_pass_on(app, login, in_tenant)
    minhang = tenant("dealer-sh02").name
    assert (returned.status, redirected.status) == (Status.RETURNED, Status.REDIRECTED)
    assert new.tenant_id == tenant("dealer-sh02").id and new.is_open
    with in_network():  # each left the register by a step of the table, written like any other
        moves = [(e.subject_id, e.loaded("data")["move"], e.loaded("after")["status"], e.public) for e in Event.select()
                 .where((Event.kind == "complaint.moved") & Event.subject_id.in_([returned.id, redirected.id]))]
        running = Deadline.select().where(Deadline.complaint.in_([returned.id, redirected.id])
                                          & Deadline.met_at.is_null()).count()
        counted = {e.complaint_id for e in ClusterEntry.select().where(
            ClusterEntry.complaint.in_([returned.id, redirected.id, new.id]))}
        mail = {(m.recipient, m.subject) for m in OutboxMessage.select()}
    assert sorted(moves) == sorted([(returned.id, "return_to_hq", "returned", True),
                                    (redirected.id, "redirect", "redirected", True)])
    assert running == 0  # no clock weighs on the tenant
    assert counted == {new.id}  # the cluster rule counts the complaint where it is handled now, only there
    for c, address in ((returned, "li@example.com"), (redirected, "han@example.com")):  # news on the page
        assert (address, translated(app, "News about your complaint %(number)s", number=c.number)) in mail

    passed_to = translated_html(app, "Passed to %(company)s as complaint %(number)s.", company=minhang,
                                number=new.number)
    for page in (cs.get(f"/t/dealer-sh01/complaints/{returned.id}"), login(HQ).get(f"/hq/complaints/{returned.id}")):
        html = page.get_data(as_text=True)
        assert badge(html) == ("status-returned", translated_html(app, "Closed: returned to headquarters"))
    for page in (cs.get(f"/t/dealer-sh01/complaints/{redirected.id}"),
                 login(HQ).get(f"/hq/complaints/{redirected.id}")):
        html = page.get_data(as_text=True)
        assert badge(html) == ("status-redirected", translated_html(app, "Closed: passed to another company"))
        assert passed_to in html and INTERNAL in html  # staff read the reason; the customer never does

    with app.app_context():
        back_path, passed_path = f.status_path(returned), f.status_path(redirected)
    html = client.get(back_path).get_data(as_text=True)
    assert 'data-state="returned_to_headquarters"' in html and INTERNAL not in html
    assert translated_html(app, "Sent back to headquarters' customer service: they will pass your complaint to the "
                                "company that handles it and tell you its new number") in html
    html = client.get(passed_path).get_data(as_text=True)
    assert 'data-state="passed_to_another_company"' in html and INTERNAL not in html
    assert html.count(translated_html(app, "Passed to %(company)s: please follow complaint number %(number)s from "
                                           "now on.", company=minhang, number=new.number)) == 2  # summary, history
    for html in (client.get(back_path).get_data(as_text=True), client.get(passed_path).get_data(as_text=True)):
        assert translated_html(app, "Merged with another complaint") not in html


def test_the_monthly_report_counts_them_apart_from_the_register_stored_as_live(app, login, in_tenant):
    _, _, _, before, _ = send_back_and_pass_on(app, login, in_tenant)
    with in_tenant("dealer-sh01") as t:
        stored, live, month = figures(t, live=False), figures(t, live=True), this_month(t).label
    was = before["dealer-sh01"]
    assert stored == live
    assert live["passed_on"] == {"returned": was["passed_on"]["returned"] + 1,
                                 "redirected": was["passed_on"]["redirected"] + 1}
    for key in ("register", "new"):  # neither is the tenant's complaint any more
        assert live[key] == was[key] - 2, key
    assert live["closed"] == was["closed"] and live["handling"] == was["handling"]  # nor closed valid or invalid
    html = login("manager@dealer-sh01.demo").get(f"/t/dealer-sh01/reports/monthly?month={month}").get_data(as_text=True)
    shown = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))
    assert [shown[k] for k in ("returned", "redirected", "register")] == [
        str(live["passed_on"]["returned"]), str(live["passed_on"]["redirected"]), str(live["register"])]
    with in_tenant("dealer-sh02") as t:
        stored, live = figures(t, live=False), figures(t, live=True)
    assert stored == live and live["register"] == before["dealer-sh02"]["register"] + 1
    assert live["passed_on"] == before["dealer-sh02"]["passed_on"]


def test_a_returned_entry_that_hq_redirects_tells_its_customer_where_it_went(app, client, login, in_tenant):
    wo = dispatch(login)
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    cs.post(f"/t/dealer-sh01/work-orders/{wo.id}/return", data={"reason": "非本店", "version": wo.version})
    with in_network():
        wo = WorkOrder.get_by_id(wo.id)
        first = Complaint.get_by_id(wo.complaint_id)
    assert first.status == Status.RETURNED
    login(HQ).post(f"/hq/work-orders/{wo.id}/redirect",
                   data={"tenant": tenant("dealer-sh02").id, "reason": "改派闵行店", "version": wo.version})
    with in_network():
        first, new = Complaint.get_by_id(first.id), Complaint.get_by_id(WorkOrder.get_by_id(wo.id).complaint_id)
    assert first.status == Status.REDIRECTED and first.status in ELSEWHERE and first.closed_at is not None
    with app.app_context():
        path = f.status_path(first)
    assert new.number in client.get(path).get_data(as_text=True)


def test_staff_cannot_take_a_work_order_move_as_a_step(app, login):
    wo = dispatch(login)
    cs = login("cs@dealer-sh01.demo", c=app.test_client())
    for move in ("return_to_hq", "redirect"):
        assert cs.post(f"/t/dealer-sh01/complaints/{wo.complaint_id}/step/{move}",
                       data={"reason": "x"}).status_code == 404
    with in_network():
        assert Complaint.get_by_id(wo.complaint_id).status == Status.RECEIVED


def test_a_dispatch_form_posted_again_after_hq_redirected_its_work_order_makes_nothing_new(app, login):
    passed = dispatch(login, intake_key="k-replayed")
    client = login(HQ)
    assert client.post(f"/hq/work-orders/{passed.id}/redirect", data={
        "tenant": tenant("dealer-sh02").id, "reason": "客户在闵行店购车", "version": passed.version}).status_code == 303
    with in_network():
        count = WorkOrder.select().count()
    replay = client.post("/hq/work-orders/new", data=dispatch_form(tenant("dealer-sh01").id, intake_key="k-replayed"))
    assert replay.status_code == 303 and replay.headers["Location"].endswith(f"/hq/work-orders/{passed.id}")
    with in_network():
        assert WorkOrder.select().count() == count
