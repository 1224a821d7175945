"""Every change to a supervision order writes its own event, before -> after, on the complaint's timeline and in
the audit log; none reaches the customer."""
import datetime

import pytest

from portal import scope
from portal.complaints.disclosure import public_timeline
from portal.complaints.models import Complaint
from portal.complaints.rules import Move
from portal.db import now
from portal.events import Event
from portal.i18n import localtime
from portal.supervision import actions, sweep
from portal.supervision.models import Milestone, SupervisionOrder
from portal.tenancy.models import Department
from tests import factories as f
from tests.conftest import translated_html

DAY = datetime.timedelta(days=1)


def events_of(c, kind) -> list:
    return list(Event.select().where((Event.subject_type == "complaint") & (Event.subject_id == c.id)
                                     & (Event.kind == kind)).order_by(Event.id))


def issued(c, *, actor="cs@dealer-sh01.demo", department=None):
    return actions.issue(c, f.user(actor), department=department, reason="客户二次投诉，需督办",
                         milestones=[{"title": "原因分析", "due_at": now() + 5 * DAY}])


def page(client, login, c, lang=None, who="admin@dealer-sh01.demo") -> str:
    login(who)
    if lang:
        with client.session_transaction() as session:
            session["lang"] = lang
    return client.get(f"/t/dealer-sh01/complaints/{c.id}").get_data(as_text=True)


def audit(client, login, kind, who="gm@dealer-sh01.demo") -> str:
    """The audit log filtered to one kind; the GM sees values, a tenant admin only which fields changed."""
    login(who)
    return client.get(f"/t/dealer-sh01/audit/?kind={kind}").get_data(as_text=True)


def test_an_order_following_its_complaint_to_a_department_records_who_and_department_and_leader(
        app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=3)  # hot at intake: an order with no department yet
        order = SupervisionOrder.get(SupervisionOrder.complaint == c.id)
        f.advance(Complaint.get_by_id(c.id), Move.TRANSFER)
        dept = Department.select().first()
        [event] = events_of(c, "supervision.department")
        leader = f.user_name(dept.leader.email)
    assert (event.actor.email, event.public) == ("gm@dealer-sh01.demo", False)
    assert event.loaded("before") == {"department": None, "leader": None}
    assert event.loaded("after") == {"department": dept.id, "leader": dept.leader_id}
    assert event.loaded("data")["order"] == order.id
    html = page(client, login, c)
    assert translated_html(app, "Supervision order sent to a department") in html
    assert f"{dept.name} · {translated_html(app, 'Leader')}: {leader}" in html
    log = audit(client, login, "supervision.department")
    assert f'data-event="{event.id}"' in log and translated_html(app, "Supervision order sent to a department") in log
    assert '<code>department</code>: <span class="muted">' not in log  # nothing before: no "before →"
    assert f"<code>leader</code>: {dept.leader_id}" in log and f"<code>department_name</code>: {dept.name}" in log
    hidden = audit(client, login, "supervision.department", who="admin@dealer-sh01.demo")
    assert "<code>leader</code>" in hidden and f"<code>department_name</code>: {dept.name}" not in hidden
    hq_page = login("hq@svw.demo").get(f"/hq/complaints/{c.id}").get_data(as_text=True)
    assert f"{dept.name} · {translated_html(app, 'Leader')}: {leader}" in hq_page  # HQ's copy of the timeline


def test_a_crisis_deadline_starting_again_moves_its_milestone_with_before_and_after(app, client, login, in_tenant):
    first, second = now() + DAY, now() + 2 * DAY
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        order = issued(c, department=Department.select().first())
        manager, gm = f.user("manager@dealer-sh01.demo"), f.user("gm@dealer-sh01.demo")
        actions.supervise(c, "crisis_adjust", first, cc=[gm.id], actor=manager)
        m = Milestone.get((Milestone.order == order.id) & (Milestone.key == "crisis_adjust"))
        Milestone.update(warned_at=first).where(Milestone.id == m.id).execute()  # missed and warned
        actions.supervise(c, "crisis_adjust", second, cc=[gm.id], actor=manager)
        actions.supervise(c, "crisis_adjust", second, cc=[gm.id], actor=manager)  # nothing changes: no event
        [added] = events_of(c, "supervision.milestone_added")
        [moved] = events_of(c, "supervision.milestone_moved")
        m = Milestone.get_by_id(m.id)
        shown_first, shown_second = localtime(first), localtime(second)
    assert (m.due_at, m.warned_at) == (second, None)  # a new warning goes out when it is missed again
    assert added.actor_id == manager.id and added.loaded("after") == {"due_at": str(first), "cc": [gm.id]}
    assert added.loaded("before") == {"cc": []} and added.loaded("data")["copied"] == [gm.name]
    assert moved.loaded("before") == {"due_at": str(first), "warned_at": str(first)}
    assert moved.loaded("after") == {"due_at": str(second), "warned_at": None}
    assert not added.public and not moved.public
    html = page(client, login, c)
    assert translated_html(app, "Milestone due moment moved") in html
    assert f'<span class="muted">{shown_first}</span> → {shown_second}' in html
    log = audit(client, login, "supervision.milestone_moved")
    assert f'data-event="{moved.id}"' in log
    assert f'<code>due_at</code>: <span class="muted">{first}</span> → {second}' in log


def test_copying_someone_on_an_order_is_recorded_once(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        order = issued(c)
        gm, cs = f.user("gm@dealer-sh01.demo"), f.user("cs@dealer-sh01.demo")
        actions.add_cc(order, [gm.id], cs)
        actions.add_cc(SupervisionOrder.get_by_id(order.id), [gm.id], cs)  # already copied
        [event] = events_of(c, "supervision.copied")
    assert (event.actor_id, event.loaded("before"), event.loaded("after")) == (cs.id, {"cc": []}, {"cc": [gm.id]})
    assert event.loaded("data")["copied"] == [gm.name]


def test_a_new_crisis_team_leader_is_copied_on_the_order_in_the_team_change(app, in_tenant):
    from portal.crisis import actions as crisis
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        issued(c)
        file = crisis.declare(c, f.user("manager@dealer-sh01.demo"), "车辆自燃")
        advisor = f.user("advisor@dealer-sh01.demo")
        crisis.set_team(file, f.user("manager@dealer-sh01.demo"), leader=advisor, members=[])
        copied = [e for e in events_of(c, "supervision.copied")]
    assert [(e.actor.email, e.loaded("after")["cc"][-1]) for e in copied] == [("manager@dealer-sh01.demo", advisor.id)]


def test_the_follow_up_reminder_is_one_system_event_saying_when_the_next_is_due(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        order = issued(c)
        due = order.next_follow_up_at
    with app.app_context():
        assert sweep.run(at=due)["follow_ups"] == 1
        assert sweep.run(at=due)["follow_ups"] == 0
        with scope.scoped(scope.SYSTEM):
            [event] = events_of(c, "supervision.follow_up_reminded")
            [issue_event] = events_of(c, "supervision.issued")
            following = SupervisionOrder.get_by_id(order.id).next_follow_up_at
            cs = f.user("cs@dealer-sh01.demo")
    assert following > due
    assert (event.actor_id, event.actor_label, event.public) == (None, "system", False)
    assert issue_event.loaded("after")["next_follow_up_at"] == str(due)  # the chain of dates reads on
    assert event.loaded("before") == {"next_follow_up_at": str(due)}
    assert event.loaded("after") == {"next_follow_up_at": str(following)}
    assert event.loaded("data")["told"] == [cs.id]
    html = page(client, login, c)
    assert translated_html(app, "Follow-up reminder sent") in html and translated_html(app, "Next follow-up") in html
    log = audit(client, login, "supervision.follow_up_reminded")
    assert f'data-event="{event.id}"' in log and translated_html(app, "System") in log
    assert f'<code>next_follow_up_at</code>: <span class="muted">{due}</span> → {following}' in log


def test_a_follow_up_by_customer_service_carries_the_next_date_in_its_progress_event(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        order = issued(c)
        before = order.next_follow_up_at
        actions.report_progress(order, f.user("cs@dealer-sh01.demo"), "已电话跟进", kind="follow_up")
        [event] = events_of(c, "supervision.progress")
        assert len(events_of(c, "supervision.follow_up_reminded")) == 0
    assert event.loaded("before") == {"next_follow_up_at": str(before)}
    assert event.loaded("after") == {"next_follow_up_at": str(order.next_follow_up_at)}


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_the_timeline_names_the_supervision_changes_in_the_readers_language(app, client, login, in_tenant, lang):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=3)
        f.advance(Complaint.get_by_id(c.id), Move.TRANSFER)
        actions.supervise(c, "crisis_plan", now() + DAY, cc=[f.user("gm@dealer-sh01.demo").id],
                          actor=f.user("manager@dealer-sh01.demo"))
        actions.supervise(c, "crisis_plan", now() + 2 * DAY)
    html = page(client, login, c, lang=lang)
    for msgid in ("Supervision order sent to a department", "Milestone added", "Milestone due moment moved",
                  "Copied"):
        text = translated_html(app, msgid, lang)
        assert text != msgid and text in html, msgid


def test_no_supervision_change_reaches_the_customer(app, client, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=3)
        f.advance(Complaint.get_by_id(c.id), Move.TRANSFER)
        order = SupervisionOrder.get(SupervisionOrder.complaint == c.id)
        gm = f.user("gm@dealer-sh01.demo")
        actions.supervise(c, "crisis_plan", now() + DAY, cc=[gm.id], actor=gm)
        actions.supervise(c, "crisis_plan", now() + 2 * DAY, actor=gm)
        actions.add_cc(order, [f.user("advisor@dealer-sh01.demo").id], gm)
        sweep.remind_follow_ups(at=order.next_follow_up_at)
        mine = list(Event.select().where((Event.subject_id == c.id) & Event.kind.startswith("supervision.")))
        path, dept = f.status_path(c), Department.select().first()
        hidden = [gm.name, f.user_name("advisor@dealer-sh01.demo"), dept.name, order.number("SH01")]
    assert {e.kind for e in mine} >= {"supervision.department", "supervision.milestone_added",
                                       "supervision.milestone_moved", "supervision.copied",
                                       "supervision.follow_up_reminded"}
    assert not any(e.public for e in mine) and public_timeline(mine, staff_names=True) == []
    html = client.get(path).get_data(as_text=True)
    assert c.number in html
    for text in hidden:
        assert text not in html, text


def test_settling_a_milestone_closing_the_order_and_its_warning_say_what_changed(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        order = issued(c)
        m = Milestone.get(Milestone.order == order.id)
        due = m.due_at
    with app.app_context():
        assert sweep.run(at=due)["warnings"] == 1
    with in_tenant("dealer-sh01"):
        actions.waive(Milestone.get_by_id(m.id), f.user("cs@dealer-sh01.demo"), "客户已撤诉")
        actions.close(SupervisionOrder.get_by_id(order.id), f.user("cs@dealer-sh01.demo"))
        changes = {e.kind: (e.loaded("before"), e.loaded("after")) for e in Event.select().where(
            (Event.subject_id == c.id) & Event.kind.in_(["supervision.warning", "supervision.milestone_waived",
                                                         "supervision.closed"]))}
    assert changes == {"supervision.warning": ({"warned_at": None}, {"warned_at": str(due)}),
                       "supervision.milestone_waived": ({"status": "open"}, {"status": "waived"}),
                       "supervision.closed": ({"status": "open"}, {"status": "closed"})}
