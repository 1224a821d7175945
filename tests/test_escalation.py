"""Escalation on stored complaints: intake rules, clusters per tenant, the unresolved sweep, notices."""
import datetime

from portal import scope
from portal.complaints.models import Complaint, ComplaintLink
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.sla import escalation, settings, sweep
from portal.tenancy.models import Category
from tests import factories as f


def same_category(slug="dealer-sh01"):
    return Category.select().order_by(Category.position).first()


def test_three_complainants_about_one_category_in_a_month_make_all_of_them_hot(app, in_tenant):
    with in_tenant("dealer-sh01"):
        cat = same_category()
        a = f.complaint(phone="13100000001", category=cat)
        b = f.complaint(phone="13100000002", category=cat)
        assert Complaint.get_by_id(b.id).grade == "general"  # two are not yet a cluster
        c = f.complaint(phone="13100000003", category=cat)
        grades = {x.id: Complaint.get_by_id(x.id).grade for x in (a, b, c)}
        links = ComplaintLink.select().where(ComplaintLink.kind == "cluster").count()
        raised = Event.get((Event.subject_id == c.id) & (Event.kind == "grade.raised"))
    assert set(grades.values()) == {"hot"}
    assert links >= 2
    assert "3 different complainants" in " ".join(raised.loaded("data")["explanation"])


def test_clusters_are_counted_per_tenant(app, in_tenant):
    with in_tenant("dealer-sh01"):
        f.complaint(phone="13100000001", category=same_category())
        f.complaint(phone="13100000002", category=same_category())
    with in_tenant("dealer-sh02"):
        c = f.complaint("dealer-sh02", phone="13100000003", category=same_category())
        assert Complaint.get_by_id(c.id).grade == "general"


def test_collective_complaint_of_five_is_major_and_headquarters_is_told(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=5)
        assert Complaint.get_by_id(c.id).grade == "major"
        recipients = {m.recipient for m in OutboxMessage.select()}
    assert "hq@svw.demo" in recipients and "gm@dealer-sh01.demo" in recipients


def test_airbag_injury_with_a_compensation_claim_is_a_crisis_with_a_report_to_hq(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(description="安全气囊未弹出，司机受伤，要求赔偿", customer_request="赔偿医药费")
        c = Complaint.get_by_id(c.id)
    assert c.crisis and c.report_required


def test_sweep_raises_a_complaint_unresolved_for_a_week_to_hot_once(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    later = c.received_at + datetime.timedelta(days=7, minutes=1)
    with app.app_context(), scope.scoped(scope.SYSTEM):
        first = sweep.run(at=later)
        second = sweep.run(at=later)
        assert Complaint.get_by_id(c.id).grade == "hot"
        assert Event.select().where((Event.subject_id == c.id) & (Event.kind == "grade.raised")).count() == 1
    assert first["escalated"] == 1 and second["escalated"] == 0


def test_one_day_short_of_the_limit_changes_nothing(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    with app.app_context(), scope.scoped(scope.SYSTEM):
        sweep.run(at=c.received_at + datetime.timedelta(days=6, hours=23))
        assert Complaint.get_by_id(c.id).grade == "general"


def test_time_waiting_for_the_customer_does_not_count_as_unresolved(app, in_tenant):
    from portal.sla import clocks
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        clocks.pause(c, "customer", "", f.user("cs@dealer-sh01.demo"))
    with app.app_context(), scope.scoped(scope.SYSTEM):
        sweep.run(at=c.received_at + datetime.timedelta(days=40))
        assert Complaint.get_by_id(c.id).grade == "general"


def test_a_threshold_changed_in_settings_applies_on_the_next_sweep(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.complaint()
        values = settings.load(tenant, "escalation")
        settings.save(tenant, "escalation", dict(values, unresolved_hot_days=3), f.user("admin@dealer-sh01.demo"), 0)
    with app.app_context(), scope.scoped(scope.SYSTEM):
        sweep.run(at=c.received_at + datetime.timedelta(days=3, minutes=1))
        assert Complaint.get_by_id(c.id).grade == "hot"


def test_escalation_never_lowers_a_grade(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=5)
        assert escalation.apply(Complaint.get_by_id(c.id)) is False
        assert Complaint.get_by_id(c.id).grade == "major"


def test_staff_marking_media_exposure_makes_the_complaint_major(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    login("cs@dealer-sh01.demo")
    client.post(f"/t/dealer-sh01/complaints/{c.id}/risk", data={"flags": ["media_exposed"]})
    with in_tenant("dealer-sh01"):
        c = Complaint.get_by_id(c.id)
    assert c.grade == "major" and c.report_required


def test_a_downgrade_needs_a_reason_and_the_approver_of_the_higher_grade(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=3)  # hot
    login("cs@dealer-sh01.demo")  # no approval right
    refused = client.post(f"/t/dealer-sh01/complaints/{c.id}/grade", data={"grade": "general", "reason": "误报"})
    assert refused.status_code == 422
    client.post("/logout")
    login("gm@dealer-sh01.demo")
    no_reason = client.post(f"/t/dealer-sh01/complaints/{c.id}/grade", data={"grade": "general", "reason": ""})
    assert no_reason.status_code == 422
    ok = client.post(f"/t/dealer-sh01/complaints/{c.id}/grade", data={"grade": "general", "reason": "人数登记错误"})
    assert ok.status_code == 303
    with in_tenant("dealer-sh01"):
        lowered = Event.get((Event.subject_id == c.id) & (Event.kind == "grade.lowered"))
        assert Complaint.get_by_id(c.id).grade == "general"
    assert lowered.loaded("data")["reason"] == "人数登记错误" and lowered.actor_label.startswith("总经理")


def test_a_major_complaint_cannot_be_lowered_inside_the_tenant(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=5)
    login("gm@dealer-sh01.demo")
    response = client.post(f"/t/dealer-sh01/complaints/{c.id}/grade", data={"grade": "hot", "reason": "x"})
    assert response.status_code == 422


def test_five_percent_of_a_declared_batch_with_the_same_problem_is_a_batch_incident_for_hq(app, in_tenant):
    from portal.sla.models import Batch
    with in_tenant("dealer-sh01") as tenant:
        Batch.create(tenant=tenant, key="B2026-07", name="2026年7月批次", size=40)
        cat = same_category()
        first = f.complaint(phone="13200000001", category=cat, batch_key="B2026-07", plate="沪A1")
        assert not Complaint.get_by_id(first.id).batch_incident  # 1 of 40 is 2.5%
        second = f.complaint(phone="13200000002", category=cat, batch_key="B2026-07", plate="沪A2")
        flagged = [Complaint.get_by_id(x.id).batch_incident for x in (first, second)]
        told = {m.recipient for m in OutboxMessage.select()}
    assert flagged == [True, True]  # 2 of 40 is 5%
    assert "hq@svw.demo" in told


def test_admin_declares_a_batch_and_staff_pick_it_at_intake(client, login, app, in_tenant):
    login("admin@dealer-sh01.demo")
    ok = client.post("/t/dealer-sh01/settings/batches", data={"key": "P3", "name": "三期", "kind": "building_phase",
                                                               "size": "120"})
    assert ok.status_code == 303
    dup = client.post("/t/dealer-sh01/settings/batches", data={"key": "P3", "name": "重复", "kind": "product",
                                                                "size": "5"})
    assert dup.status_code == 422
    client.post("/logout")
    login("cs@dealer-sh01.demo")
    assert 'value="P3"' in client.get("/t/dealer-sh01/complaints/new").get_data(as_text=True)
