"""Deadlines on complaints: which clocks run, pauses, and the sweep's warnings (real SMTP outbox)."""
import datetime

from portal import scope
from portal.complaints.models import Complaint
from portal.complaints.rules import Move
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.sla import clocks, settings, sweep
from portal.sla.calendar import working_seconds_between
from portal.sla.models import Deadline
from tests import factories as f

HOUR = datetime.timedelta(hours=1)


def running(c):
    return {d.kind: d for d in Deadline.select().where((Deadline.complaint == c.id) & Deadline.met_at.is_null())}


def test_intake_starts_the_handover_reply_and_completion_clocks(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        clocks_now = running(c)
        assert Complaint.get_by_id(c.id).next_due_at == clocks_now["handover"].due_at
    assert set(clocks_now) == {"handover", "reply", "completion"}
    assert clocks_now["reply"].due_at == c.reply_due_at  # the promise on the receipt is the clock


def test_transfer_gives_the_department_three_working_days_and_the_plan_meets_it(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.advance(f.complaint(), Move.TRANSFER)
        plan = running(c)["plan"]
        cal = settings.calendar_for(tenant)
        assert plan.budget_seconds == working_seconds_between(cal, plan.started_at, plan.due_at)
        local_due = plan.due_at.replace(tzinfo=datetime.UTC).astimezone(cal.zone)
        assert local_due.time() == datetime.time(18, 0) and cal.is_working_day(local_due.date())
        f.advance(c, Move.PROPOSE_PLAN)
        met = Deadline.get_by_id(plan.id)
        assert "plan" not in running(c) and "reply" not in running(c)
    assert met.met_at is not None and met.on_time is True


def test_a_pause_stops_the_clocks_and_resuming_pushes_the_deadline_on(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        before = running(c)["reply"].due_at
        cs = f.user("cs@dealer-sh01.demo")
        clocks.pause(c, "parts", "等待大灯总成", cs)
        assert running(c)["reply"].due_at is None
        assert Complaint.get_by_id(c.id).next_due_at is None
        clocks.resume(c, cs)
        after = running(c)["reply"].due_at
        kinds = [e.kind for e in Event.select().where(Event.subject_id == c.id)]
    assert after >= before
    assert "clock.paused" in kinds and "clock.resumed" in kinds


def test_a_deadline_met_after_it_passed_is_recorded_late(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        reply = running(c)["reply"]
        clocks.meet(c, ["reply"], at=reply.due_at + HOUR)
        assert Deadline.get_by_id(reply.id).on_time is False


def test_sweep_warns_once_before_a_deadline_and_announces_it_once_when_it_passes(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.TRANSFER)
        plan = running(c)["plan"]
    with app.app_context(), scope.scoped(scope.SYSTEM):
        first = sweep.run(at=plan.warn_at + datetime.timedelta(seconds=1))
        again = sweep.run(at=plan.warn_at + datetime.timedelta(seconds=2))
        late = sweep.run(at=plan.due_at + HOUR)
        late_again = sweep.run(at=plan.due_at + 2 * HOUR)
        warned = Event.select().where((Event.subject_id == c.id) & (Event.kind == "deadline.due_soon")).count()
        passed = Event.select().where((Event.subject_id == c.id) & (Event.kind == "deadline.overdue")).count()
        mails = [m.subject for m in OutboxMessage.select()]
    assert first["due_soon"] >= 1 and again["due_soon"] == 0
    assert late["overdue"] >= 1 and late_again["overdue"] == 0
    assert warned == 1 and passed >= 1
    assert sum(c.number in s for s in mails) >= 2


def test_queue_overdue_filter_follows_the_running_clocks(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        late = f.complaint()
        Complaint.update(next_due_at=datetime.datetime(2020, 1, 1)).where(Complaint.id == late.id).execute()
        f.complaint(phone="13600000000")
    login("cs@dealer-sh01.demo")
    html = client.get("/t/dealer-sh01/complaints/?overdue=1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.count('name="ids"') == 1 and late.number in html


def test_closing_stops_every_clock(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.REVISIT)
        assert running(c) == {}
        assert Complaint.get_by_id(c.id).next_due_at is None


def test_staff_pause_and_resume_from_the_complaint_page(client, login, app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    login("cs@dealer-sh01.demo")
    page = client.post(f"/t/dealer-sh01/complaints/{c.id}/pause", data={"reason": "parts", "note": "等配件"},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "等配件" in page
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).paused_since is not None
    bad = client.post(f"/t/dealer-sh01/complaints/{c.id}/pause", data={"reason": "parts"})
    assert bad.status_code == 422  # already paused
    client.post(f"/t/dealer-sh01/complaints/{c.id}/resume")
    with in_tenant("dealer-sh01"):
        assert Complaint.get_by_id(c.id).paused_since is None


def test_front_desk_cannot_pause_deadlines(client, login, app, in_tenant):
    from portal.tenancy.actions import add_member
    from portal.accounts.actions import create_user
    from portal.tenancy.models import Tenant
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        add_member(Tenant.get(Tenant.slug == "dealer-sh01"),
                   create_user("guard@dealer-sh01.demo", "门卫", "kesu-demo-guard", method="scrypt:1024:8:1"), "front_desk")
    login("guard@dealer-sh01.demo", "kesu-demo-guard")
    assert client.post(f"/t/dealer-sh01/complaints/{c.id}/pause", data={"reason": "parts"}).status_code == 403
