"""Supervision orders: milestones in working time, one warning per missed milestone, auto-issue, the board."""
import datetime
import io
from zoneinfo import ZoneInfo

import pytest

from portal import jobs, scope
from portal.complaints.models import Complaint
from portal.complaints.rules import Move
from portal.db import now
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.sla import escalation, settings
from portal.sla import sweep as sla_sweep
from portal.supervision import actions, rules, sweep
from portal.supervision.models import Milestone, ProgressReport, SupervisionOrder
from portal.tenancy.models import Department
from tests import factories as f
from tests.conftest import translated


def shown(app, msgid, **values) -> str:
    """A text as the pages render it: in the portal's default language (the demo users choose none)."""
    return translated(app, msgid, app.config["BABEL_DEFAULT_LOCALE"], **values)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def tr(msgid, **values) -> str:
    """A text as the demo users read it (the default language); needs only an app context, so a scope stays set."""
    from flask import current_app
    from flask_babel import force_locale, gettext
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return gettext(msgid, **values)


def sent(app, msgid, **values) -> set:
    """Who was mailed this subject, as the recipients' language renders it."""
    subject = tr(msgid, **values)
    return {m.recipient for m in OutboxMessage.select().where(OutboxMessage.subject == subject)}


def weekdays_only(tenant):
    """A calendar without public holidays, so the dates below hold in any year."""
    values = settings.load(tenant, "calendar")
    settings.save(tenant, "calendar", dict(values, region=None), f.user("admin@dealer-sh01.demo"), 0)


def next_friday_at(hour: int) -> datetime.datetime:
    """Naive UTC of a Friday, at least a week ahead, at `hour` Shanghai time."""
    day = datetime.datetime.now(SHANGHAI).date() + datetime.timedelta(days=7)
    day += datetime.timedelta(days=(4 - day.weekday()) % 7)
    local = datetime.datetime.combine(day, datetime.time(hour), SHANGHAI)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def local(moment):
    return moment.replace(tzinfo=datetime.UTC).astimezone(SHANGHAI)


def after_sales():
    return Department.get(Department.name == "售后服务部")  # leader: manager@


def issue(c, *milestones, actor="cs@dealer-sh01.demo"):
    return actions.issue(c, f.user(actor), department=after_sales(), reason="客户二次投诉，需督办",
                         milestones=list(milestones))


def test_a_milestone_one_working_day_after_a_friday_afternoon_is_due_monday_at_close_of_business(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        weekdays_only(tenant)
        due = actions.working_due(tenant, next_friday_at(16), 1)
        plan, done_by = actions.auto_milestones(tenant, next_friday_at(16))
    assert (local(due).strftime("%A %H:%M")) == "Monday 18:00"
    assert local(plan["due_at"]).strftime("%A %H:%M") == "Wednesday 18:00"  # 3 working days
    assert local(done_by["due_at"]).weekday() == 4  # 10 working days: the Friday two weeks on


def test_a_missed_milestone_warns_the_department_its_leader_and_the_supervisors_once_by_mail(app, in_tenant, mailbox):
    with in_tenant("dealer-sh01") as tenant:
        weekdays_only(tenant)
        due = actions.working_due(tenant, next_friday_at(16), 1)
        c = f.complaint()
        order = issue(c, {"title": "提交原因分析", "due_at": due, "owner": f.user("advisor@dealer-sh01.demo")},
                      {"title": "已完成的节点", "due_at": due}, {"title": "豁免的节点", "due_at": due})
        met, waived = Milestone.select().where(Milestone.order == order.id).order_by(Milestone.position)[1:]
        actions.complete(met, f.user("manager@dealer-sh01.demo"))
        actions.waive(waived, f.user("cs@dealer-sh01.demo"), "客户改期")
        number = order.number(tenant.code)
    with app.app_context():
        early = sweep.run(at=due - datetime.timedelta(minutes=1))
        jobs.deliver(app)
        mailbox.messages.clear()  # the order's own mail
        on_time = sweep.run(at=due)
        again = sweep.run(at=due + datetime.timedelta(hours=5))
        jobs.deliver(app)
    assert (early["warnings"], on_time["warnings"], again["warnings"]) == (0, 1, 0)
    subject = shown(app, "Warning: milestone missed on supervision order %(number)s", number=number)
    warnings = [m for m in mailbox.messages if m["subject"] == subject]
    told = sorted(address for m in warnings for address in m["to"])
    # leader of the department, the milestone's owner, and customer service (issuer, complaint specialist)
    assert told == ["advisor@dealer-sh01.demo", "cs@dealer-sh01.demo", "manager@dealer-sh01.demo"]
    assert "提交原因分析" in warnings[0]["body"]
    with in_tenant("dealer-sh01"):
        kinds = [e.loaded("data")["title"] for e in Event.select().where(Event.kind == "supervision.warning")]
    assert kinds == ["提交原因分析"]


def test_no_warning_for_met_or_waived_milestones(app, in_tenant):
    with in_tenant("dealer-sh01"):
        due = now() + datetime.timedelta(hours=2)
        order = issue(f.complaint(), {"title": "A", "due_at": due}, {"title": "B", "due_at": due})
        a, b = Milestone.select().where(Milestone.order == order.id).order_by(Milestone.position)
        actions.complete(a, f.user("manager@dealer-sh01.demo"))
        actions.waive(b, f.user("cs@dealer-sh01.demo"), "不再需要")
    with app.app_context():
        assert sweep.run(at=due + datetime.timedelta(days=3))["warnings"] == 0


def test_a_waiver_needs_a_reason_and_closing_needs_every_milestone_settled(app, in_tenant):
    with in_tenant("dealer-sh01"):
        order = issue(f.complaint(), {"title": "A", "due_at": now() + datetime.timedelta(days=1)})
        m = Milestone.get(Milestone.order == order.id)
        cs = f.user("cs@dealer-sh01.demo")
        with pytest.raises(actions.SupervisionError) as no_reason:
            actions.waive(m, cs, " ")
        with pytest.raises(actions.SupervisionError) as still_open:
            actions.close(order, cs)
        actions.complete(m, f.user("manager@dealer-sh01.demo"))
        actions.close(SupervisionOrder.get_by_id(order.id), cs)
        assert SupervisionOrder.get_by_id(order.id).status == "closed"
    assert no_reason.value.problems == {"reason": ["waive_needs_reason"]}
    assert still_open.value.problems == {"__all__": ["milestones_open"]}


def test_an_order_needs_a_milestone_in_the_future_and_a_reason(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        with pytest.raises(actions.SupervisionError) as err:
            actions.issue(c, f.user("cs@dealer-sh01.demo"), reason="",
                          milestones=[{"title": "A", "due_at": now() - datetime.timedelta(hours=1)}])
    assert err.value.problems == {"reason": ["required"], "milestones-0-due": ["due_in_the_past"]}


def test_an_order_is_issued_automatically_when_the_grade_rule_fires_and_only_once(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        assert SupervisionOrder.select().count() == 0  # general: not supervised
    later = c.received_at + datetime.timedelta(days=7, minutes=1)
    with app.app_context(), scope.scoped(scope.SYSTEM):
        sla_sweep.run(at=later - datetime.timedelta(minutes=2))
        assert SupervisionOrder.select().count() == 0  # one minute short of the rule
        sla_sweep.run(at=later)  # unresolved for a week: hot
        sla_sweep.run(at=later)
        orders = list(SupervisionOrder.select())
        assert [(o.complaint_id, o.trigger) for o in orders] == [(c.id, "grade:hot")]
        assert [m.key for m in Milestone.select().order_by(Milestone.position)] == ["plan", "implementation"]
        issued = Event.select().where((Event.subject_id == c.id) & (Event.kind == "supervision.issued")).count()
    assert issued == 1
    with in_tenant("dealer-sh01"):  # raised again (major): the open order already supervises it
        escalation.set_risk(Complaint.get_by_id(c.id), ["lawsuit_filed"], False, f.user("cs@dealer-sh01.demo"))
        assert Complaint.get_by_id(c.id).grade == "major"
        assert SupervisionOrder.select().count() == 1


def test_a_complaint_hot_at_intake_gets_its_order_addressed_when_it_is_transferred(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=3)
        order = SupervisionOrder.get(SupervisionOrder.complaint == c.id)
        assert order.department_id is None
        f.advance(Complaint.get_by_id(c.id), Move.TRANSFER)
        order = SupervisionOrder.get_by_id(order.id)
        assert order.department_id == Department.select().first().id


def test_auto_issue_rule_fires_only_on_a_rise_into_a_supervised_grade():
    auto = ["important", "hot", "major"]
    assert rules.should_auto_issue("general", "hot", auto, False)
    assert not rules.should_auto_issue("general", "hot", auto, True)
    assert not rules.should_auto_issue("hot", "important", auto, False)
    assert not rules.should_auto_issue("general", "important", ["hot", "major"], False)


def test_board_state_is_warned_when_a_milestone_is_missed_due_soon_inside_the_window():
    at = datetime.datetime(2026, 3, 2, 2)
    m = rules.MilestoneFacts
    soon = at + datetime.timedelta(hours=8)
    assert rules.board_state([m("open", at - datetime.timedelta(minutes=1))], at, soon) == "warned"
    assert rules.board_state([m("waived", at - datetime.timedelta(days=1)), m("open", soon)], at, soon) == "due_soon"
    assert rules.board_state([m("done", at), m("open", soon + datetime.timedelta(seconds=1))], at, soon) == "on_track"


def test_progress_is_copied_to_the_leader_and_keeps_its_files(app, in_tenant):
    from werkzeug.datastructures import FileStorage
    with in_tenant("dealer-sh01") as tenant:
        order = issue(f.complaint(), {"title": "A", "due_at": now() + datetime.timedelta(days=1)})
        photo = FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), filename="现场.png")
        actions.report_progress(order, f.user("advisor@dealer-sh01.demo"), "已订货，预计周三到", files=[photo])
        report = ProgressReport.get(ProgressReport.order == order.id)
        to = sent(app, "Supervision order %(number)s: progress reported", number=order.number(tenant.code))
    assert len(report.attachments) == 1
    assert to == {"manager@dealer-sh01.demo", "cs@dealer-sh01.demo"}


def test_customer_service_is_reminded_to_follow_up_at_the_agreed_interval(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        order = issue(f.complaint(), {"title": "A", "due_at": now() + datetime.timedelta(days=30)})
    with app.app_context():
        assert sweep.run(at=order.next_follow_up_at)["follow_ups"] == 1
        assert sweep.run(at=order.next_follow_up_at)["follow_ups"] == 0
        with scope.scoped(scope.SYSTEM):
            to = sent(app, "Follow up supervision order %(number)s", number=order.number(tenant.code))
    assert to == {"cs@dealer-sh01.demo"}


# --- early-warning chain -----------------------------------------------------------------------

def test_an_advisor_who_cannot_calm_the_customer_warns_the_managers(app, in_tenant):
    from portal.supervision import chain
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        row = chain.raise_warning(c, "cannot_calm", f.user("advisor@dealer-sh01.demo"), "客户情绪激动")
        told = {u.email for u in chain.users_told(row)}
    assert told == {"manager@dealer-sh01.demo"}


def test_the_chain_is_configurable_and_an_airbag_report_goes_to_headquarters_once(app, in_tenant):
    from portal.supervision import chain
    from portal.supervision.models import EarlyWarning
    with in_tenant("dealer-sh01") as tenant:
        settings.save(tenant, "warning_chain", dict(settings.load(tenant, "warning_chain"),
                                                    cannot_calm=["role:general_manager"]),
                      f.user("admin@dealer-sh01.demo"), 0)
        row = chain.raise_warning(f.complaint(), "cannot_calm", f.user("advisor@dealer-sh01.demo"))
        assert {u.email for u in chain.users_told(row)} == {"gm@dealer-sh01.demo"}
        c = f.complaint(description="安全气囊未弹出")  # the report keyword raises report_required
        escalation.set_risk(Complaint.get_by_id(c.id), ["airbag"], False, f.user("cs@dealer-sh01.demo"))
        rows = list(EarlyWarning.select().where((EarlyWarning.complaint == c.id) & (EarlyWarning.flag == "hq_report")))
        assert len(rows) == 1
        assert "hq@svw.demo" in {u.email for u in chain.users_told(rows[0])}


# --- over HTTP ---------------------------------------------------------------------------------

def test_customer_service_issues_an_order_from_the_complaint_page(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        dept, advisor = after_sales(), f.user("advisor@dealer-sh01.demo")
    login("cs@dealer-sh01.demo")
    day = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    form = {"department": dept.id, "reason": "重复投诉", "follow_up_days": "2",
            "milestones-0-title": "原因分析", "milestones-0-due_date": day, "milestones-0-owner": advisor.id,
            "milestones-1-title": "", "milestones-2-title": ""}
    blank = client.post(f"/t/dealer-sh01/supervision/complaints/{c.id}/orders", data=dict(
        form, **{"milestones-0-title": "", "milestones-0-due_date": ""}))
    assert blank.status_code == 422
    assert shown(app, "Agree at least one milestone: what, by when, who.") in blank.get_data(as_text=True)
    assert client.get(f"/t/dealer-sh01/supervision/complaints/{c.id}/orders").status_code == 200
    ok = client.post(f"/t/dealer-sh01/supervision/complaints/{c.id}/orders", data=form)
    assert ok.status_code == 303
    with in_tenant("dealer-sh01"):
        order = SupervisionOrder.get(SupervisionOrder.complaint == c.id)
        m = Milestone.get(Milestone.order == order.id)
    assert (order.leader.email, m.owner_id, local(m.due_at).strftime("%H:%M")) == (
        "manager@dealer-sh01.demo", advisor.id, "18:00")
    page = client.get(f"/t/dealer-sh01/complaints/{c.id}").get_data(as_text=True)
    assert order.number("SH01") in page and "原因分析" in page


def test_the_board_groups_orders_by_state_and_filters_by_department_and_leader(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        late = issue(f.complaint(), {"title": "迟了", "due_at": now() + datetime.timedelta(minutes=1)})
        Milestone.update(due_at=now() - datetime.timedelta(hours=1)).execute()
        fine = issue(f.complaint(phone="13900000000"), {"title": "还早", "due_at": now() + datetime.timedelta(days=20)})
        other = Department.get(Department.name == "销售部")
    login("cs@dealer-sh01.demo")
    page = client.get("/t/dealer-sh01/supervision/").get_data(as_text=True)
    warned = page.split('id="board-warned"')[1].split("</section>")[0]
    on_track = page.split('id="board-on_track"')[1].split("</section>")[0]
    assert late.number("SH01") in warned and fine.number("SH01") in on_track
    fragment = client.get(f"/t/dealer-sh01/supervision/?department={other.id}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="board"' in fragment and "<html" not in fragment
    assert late.number("SH01") not in fragment
    by_leader = client.get(f"/t/dealer-sh01/supervision/?leader={late.leader_id}").get_data(as_text=True)
    assert late.number("SH01") in by_leader and fine.number("SH01") in by_leader


def test_the_printable_order_has_the_milestones_and_signature_lines(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        order = issue(f.complaint(), {"title": "更换大灯总成", "due_at": now() + datetime.timedelta(days=2)})
    login("advisor@dealer-sh01.demo")
    page = client.get(f"/t/dealer-sh01/supervision/orders/{order.id}/print").get_data(as_text=True)
    assert "工作督办单" in page and "更换大灯总成" in page
    assert shown(app, "Received by the department") in page


def test_only_customer_service_waives_and_the_department_marks_done(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        order = issue(f.complaint(), {"title": "A", "due_at": now() + datetime.timedelta(days=2),
                                      "owner": f.user("advisor@dealer-sh01.demo")})
        m = Milestone.get(Milestone.order == order.id)
    login("advisor@dealer-sh01.demo")
    assert client.post(f"/t/dealer-sh01/supervision/milestones/{m.id}/waive", data={"reason": "x"}).status_code == 403
    assert client.post(f"/t/dealer-sh01/supervision/milestones/{m.id}/done").status_code == 303
    with in_tenant("dealer-sh01"):
        assert Milestone.get_by_id(m.id).status == "done"


def test_the_admin_settings_page_saves_each_group_and_refuses_nonsense(app, client, login, in_tenant):
    login("gm@dealer-sh01.demo")  # the GM holds admin.settings
    assert client.get("/t/dealer-sh01/supervision/settings").status_code == 200
    bad = client.post("/t/dealer-sh01/supervision/settings/supervision",
                      data={"auto_grades": ["hot"], "plan_days": "0", "implement_days": "10", "follow_up_days": "1",
                            "due_soon_hours": "8", "copy_roles": ["complaint_specialist"], "version": "0"})
    assert bad.status_code == 422
    ok = client.post("/t/dealer-sh01/supervision/settings/warning_chain",
                     data={"missing_part": ["role:parts_manager", "hq"], "version": "0"})
    assert ok.status_code == 303
    with in_tenant("dealer-sh01") as tenant:
        chain = settings.load(tenant, "warning_chain")
    assert chain["missing_part"] == ["role:parts_manager", "hq"] and chain["cannot_calm"] == []
    assert client.post("/t/dealer-sh01/supervision/settings/nothing", data={}).status_code == 404


def test_the_board_runs_as_many_queries_for_twelve_orders_as_for_two(app, client, login, in_tenant):
    from tests.test_query_counts import statements_of
    login("cs@dealer-sh01.demo")

    def orders(n, start):
        with in_tenant("dealer-sh01"):
            for i in range(n):
                issue(f.complaint(phone=f"1360000{start + i:04d}"),
                      {"title": "A", "due_at": now() + datetime.timedelta(days=1 + i)},
                      {"title": "B", "due_at": now() + datetime.timedelta(days=5 + i)})
    orders(2, 0)
    few = statements_of(client, "/t/dealer-sh01/supervision/")
    orders(10, 2)
    many = statements_of(client, "/t/dealer-sh01/supervision/")
    assert len(many) == len(few)
