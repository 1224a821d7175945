"""Crisis handling: the file, its deadlines (24 h plan, 12 h contact, 1 h adjustment, 1 week case), approval by
grade, who may speak outside, legal routing, and the written report to HQ that no closing can skip."""
import datetime

import pytest

from portal import scope
from portal.accounts.actions import create_user
from portal.approvals import actions as approvals
from portal.complaints import actions as complaint_actions
from portal.complaints.models import Complaint
from portal.complaints.rules import Move, MoveError
from portal.crisis import actions, report
from portal.crisis.models import CrisisFile, CrisisPlan, HqReport
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.sla.models import Deadline
from portal.supervision import sweep
from portal.supervision.models import Milestone, SupervisionOrder
from portal.tenancy.actions import add_member
from tests import factories as f
from tests.conftest import translated


def shown(app, msgid, **values) -> str:
    """A text as the pages render it: in the portal's default language (the demo users choose none)."""
    return translated(app, msgid, app.config["BABEL_DEFAULT_LOCALE"], **values)

HOUR = datetime.timedelta(hours=1)


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


def clock(c, kind):
    return (Deadline.select().where((Deadline.complaint == c.id) & (Deadline.kind == kind))
            .order_by(Deadline.id.desc()).get())


def declared(**overrides):
    c = f.complaint(**overrides)
    file = actions.declare(c, f.user("manager@dealer-sh01.demo"), "车辆自燃，客户要求赔偿并联系记者")
    return Complaint.get_by_id(c.id), CrisisFile.get_by_id(file.id)


def team_up(file):
    actions.set_team(file, f.user("manager@dealer-sh01.demo"), leader=f.user("gm@dealer-sh01.demo"),
                     executive=f.user("manager@dealer-sh01.demo"), members=[f.user("advisor@dealer-sh01.demo")])
    return CrisisFile.get_by_id(file.id)


def test_declaring_a_crisis_opens_the_file_with_the_gm_leading_and_the_plan_due_in_24_hours(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c, file = declared()
        plan_clock = clock(c, "crisis_plan")
        order = SupervisionOrder.get(SupervisionOrder.complaint == c.id)
        milestone = Milestone.get(Milestone.order == order.id)
        told = sent(app, "Crisis declared on complaint %(number)s", number=c.number)
    assert c.crisis and file.leader.email == "gm@dealer-sh01.demo"
    assert plan_clock.clock and plan_clock.due_at == plan_clock.started_at + 24 * HOUR  # on the clock, not working time
    assert (order.trigger, milestone.key, milestone.due_at) == ("crisis", "crisis_plan", plan_clock.due_at)
    assert {"gm@dealer-sh01.demo", "cs@dealer-sh01.demo", "hq@svw.demo"} <= told


def test_a_crisis_on_a_paused_complaint_runs_its_clocks_through_the_pause(app, in_tenant):
    from portal.sla import clocks
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        clocks.pause(c, "parts", "等配件", f.user("cs@dealer-sh01.demo"))  # waiting for a part
        file = actions.declare(Complaint.get_by_id(c.id), f.user("manager@dealer-sh01.demo"), "车辆自燃")
        plan_clock = clock(c, "crisis_plan")
        reply_clock = clock(c, "reply")
        milestone = Milestone.get(Milestone.key == "crisis_plan")
        clocks.resume(Complaint.get_by_id(c.id), f.user("cs@dealer-sh01.demo"))
        after_resume = clock(c, "crisis_plan")
    assert file.id and plan_clock.due_at == plan_clock.started_at + 24 * HOUR  # a crisis does not wait for a part
    assert milestone.due_at == plan_clock.due_at
    assert reply_clock.due_at is None  # the ordinary clocks stay paused
    assert after_resume.due_at == plan_clock.due_at


def test_declaring_twice_keeps_one_file(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c, file = declared()
        again = actions.declare(c, f.user("gm@dealer-sh01.demo"), "再次")
    assert again.id == file.id


def test_the_escalation_rules_declare_a_crisis_themselves(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(description="车辆起火，司机受伤，要求赔偿", customer_request="赔偿")
        file = CrisisFile.get(CrisisFile.complaint == c.id)
    assert file.source == "rules" and file.declared_by_id is None


def test_a_crisis_plan_without_a_plan_after_24_hours_is_overdue_and_warned(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c, file = declared()
        due = clock(c, "crisis_plan").due_at
        number = SupervisionOrder.get(SupervisionOrder.complaint == c.id).number("SH01")
    with app.app_context(), scope.scoped(scope.SYSTEM):
        from portal.sla import sweep as sla_sweep
        assert sweep.run(at=due - datetime.timedelta(minutes=1))["warnings"] == 0
        sla_sweep.run(at=due)
        assert sweep.run(at=due)["warnings"] == 1
        kinds = [e.kind for e in Event.select().where(Event.subject_id == c.id)]
        to = sent(app, "Warning: milestone missed on supervision order %(number)s", number=number)
    assert "deadline.overdue" in kinds and "supervision.warning" in kinds
    assert "gm@dealer-sh01.demo" in to  # the team leader is copied on the crisis order


def test_an_approved_plan_starts_the_12_hour_contact_clock_and_contact_meets_it(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c, file = declared()
        file = team_up(file)
        plan = actions.submit_plan(file, f.user("manager@dealer-sh01.demo"), "总经理当面道歉，免费更换，承担拖车费")
        assert clock(c, "crisis_plan").met_at is not None
        approval = approvals.Approval.get_by_id(plan.approval_id)
        assert approval.route == "role:general_manager"  # a general complaint: the tenant GM approves
        approvals.decide(approval, f.user("gm@dealer-sh01.demo"), True, "同意")
        contact = clock(c, "crisis_contact")
        assert contact.due_at == contact.started_at + 12 * HOUR
        assert CrisisPlan.get_by_id(plan.id).status == "approved"
        actions.record_statement(file, f.user("manager@dealer-sh01.demo"), "contact", "customer", "已电话联系客户")
        assert clock(c, "crisis_contact").met_at is not None
        keys = {m.key: m.status for m in Milestone.select()}
    assert keys == {"crisis_plan": "done", "crisis_contact": "done"}


def test_a_hot_crisis_plan_is_refused_to_the_manager_and_a_major_one_to_the_gm(app, in_tenant):
    with in_tenant("dealer-sh01"):
        _, hot = declared(complainants=3)
        plan = actions.submit_plan(team_up(hot), f.user("advisor@dealer-sh01.demo"), "方案")
        with pytest.raises(approvals.ApprovalError):
            approvals.decide(approvals.Approval.get_by_id(plan.approval_id), f.user("manager@dealer-sh01.demo"), True)
        _, major = declared(complainants=5, phone="13911112222")
        plan = actions.submit_plan(major, f.user("manager@dealer-sh01.demo"), "方案")
        with pytest.raises(approvals.ApprovalError):
            approvals.decide(approvals.Approval.get_by_id(plan.approval_id), f.user("gm@dealer-sh01.demo"), True)
        assert approvals.Approval.get_by_id(plan.approval_id).route == "hq"


def test_only_the_leader_or_their_named_spokesperson_makes_external_statements(app, in_tenant):
    with in_tenant("dealer-sh01"):
        _, file = declared()
        file = team_up(file)
        advisor, gm, manager = (f.user(f"{p}@dealer-sh01.demo") for p in ("advisor", "gm", "manager"))
        with pytest.raises(actions.CrisisError) as member:
            actions.record_statement(file, advisor, "statement", "media", "我们将全力配合")
        with pytest.raises(actions.CrisisError) as executive:
            actions.record_statement(file, manager, "statement", "media", "我们将全力配合")
        actions.record_statement(file, gm, "statement", "media", "我们高度重视，已成立处理小组")
        with pytest.raises(actions.CrisisError) as not_leader:
            actions.name_spokesperson(file, manager, advisor)
        actions.name_spokesperson(file, gm, advisor)
        actions.record_statement(CrisisFile.get_by_id(file.id), advisor, "statement", "media", "第二次声明")
    assert member.value.problems == executive.value.problems == {"__all__": ["only_leader_speaks"]}
    assert not_leader.value.problems == {"__all__": ["only_leader_names"]}


def test_a_dissatisfied_customer_means_an_adjusted_plan_within_the_hour(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c, file = declared()
        file = team_up(file)
        with pytest.raises(actions.CrisisError):
            actions.customer_unsatisfied(file, f.user("manager@dealer-sh01.demo"), "no plan yet")
        plan = actions.submit_plan(file, f.user("manager@dealer-sh01.demo"), "方案一")
        approvals.decide(approvals.Approval.get_by_id(plan.approval_id), f.user("gm@dealer-sh01.demo"), True)
        actions.customer_unsatisfied(file, f.user("manager@dealer-sh01.demo"), "客户嫌进度慢")
        adjust = clock(c, "crisis_adjust")
        assert adjust.due_at == adjust.started_at + HOUR
        second = actions.submit_plan(file, f.user("manager@dealer-sh01.demo"), "方案二：当天更换")
        assert second.adjustment and clock(c, "crisis_adjust").met_at is not None


def test_implementation_starts_the_one_week_case_clock_and_the_write_up_meets_it(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c, file = declared()
        f.advance(c, Move.IMPLEMENT)
        case = clock(c, "case_writeup")
        assert case.due_at == case.started_at + datetime.timedelta(days=7)
        actions.write_case(file, f.user("manager@dealer-sh01.demo"), "情景回放…原因分析…正确做法…")
        assert clock(c, "case_writeup").met_at is not None


def test_suspected_defamation_goes_to_legal_or_to_the_gm_where_there_is_no_legal_role(app, in_tenant):
    with in_tenant("dealer-sh01"):
        _, file = declared()
        told = actions.suspect_defamation(file, f.user("manager@dealer-sh01.demo"), "网帖内容与事实不符")
        assert [u.email for u in told] == ["gm@dealer-sh01.demo"]
    with in_tenant("prop-bj01") as tenant:
        legal = create_user("legal@prop-bj01.demo", "法务", password_hash="x")
        add_member(tenant, legal, "legal")
        c = f.complaint("prop-bj01", plate=None)
        file = actions.declare(c, f.user("manager@prop-bj01.demo"), "业主在网上发布不实信息")
        told = actions.suspect_defamation(file, f.user("manager@prop-bj01.demo"), "")
        assert [u.email for u in told] == ["legal@prop-bj01.demo"]
        assert legal.id in actions.team(CrisisFile.get_by_id(file.id))


# --- the written report to HQ -------------------------------------------------------------------

def test_a_complaint_with_a_required_report_cannot_close_until_the_report_is_submitted(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(description="安全气囊未弹出")
        assert Complaint.get_by_id(c.id).report_required
        f.advance(c, Move.IMPLEMENT)
        gm = f.user("gm@dealer-sh01.demo")
        perms = complaint_actions.permissions_of(gm, c.tenant)
        with pytest.raises(MoveError) as refused:
            complaint_actions.move(c, Move.REVISIT, gm, perms, {"satisfaction": "satisfied"})
        assert Complaint.get_by_id(c.id).status == "revisit_pending"
        with pytest.raises(actions.CrisisError):
            report.submit(c, gm, [], "", "")
        report.submit(c, gm, ["airbag"], "气囊未弹出，驾驶员轻伤", "已送检，厂家技术支持介入")
        with pytest.raises(actions.CrisisError):
            report.submit(c, gm, ["airbag"], "again", "again")
        complaint_actions.move(Complaint.get_by_id(c.id), Move.REVISIT, gm, perms, {"satisfaction": "satisfied"})
        assert Complaint.get_by_id(c.id).status == "closed"
        to = sent(app, "Written report on complaint %(number)s from %(tenant)s", number=c.number,
                  tenant=c.tenant.name)
    assert refused.value.problems == {"__all__": ["hq_report_missing"]}
    assert to == {"hq@svw.demo"}


def test_closing_as_not_valid_is_held_up_by_a_missing_report_too(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(description="客户称已向12315投诉")
        f.advance(c, Move.START_INVESTIGATION)
        gm = f.user("gm@dealer-sh01.demo")
        with pytest.raises(MoveError):
            complaint_actions.move(c, Move.CLOSE_INVALID, gm, complaint_actions.permissions_of(gm, c.tenant),
                                   {"findings": "不成立", "opinion_told_via": "phone", "customer_told": True})


def test_the_report_refusal_is_explained_on_the_complaint_page(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(description="车身严重锈蚀"), Move.IMPLEMENT)
    login("gm@dealer-sh01.demo")
    refused = client.post(f"/t/dealer-sh01/complaints/{c.id}/step/revisit",
                          data={"satisfaction": "satisfied", "version": _version(in_tenant, c)})
    assert refused.status_code == 422
    assert shown(app, "A written report to headquarters is required (airbag, corrosion, casualty, consumer "
                           "association or media) and has not been submitted: submit it before closing.") in \
        refused.get_data(as_text=True)
    sent = client.post(f"/t/dealer-sh01/crisis/complaints/{c.id}/report",
                       data={"matters": ["corrosion"], "facts": "车龄两年，车门锈穿", "measures": "已安排钣金检测"})
    assert sent.status_code == 303
    with in_tenant("dealer-sh01"):
        assert HqReport.select().where(HqReport.complaint == c.id).exists()


def _version(in_tenant, c):
    with in_tenant("dealer-sh01"):
        return str(Complaint.get_by_id(c.id).version)


# --- over HTTP ---------------------------------------------------------------------------------

def test_a_manager_declares_builds_the_team_and_submits_the_plan_over_http(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        gm, manager, advisor = (f.user(f"{p}@dealer-sh01.demo") for p in ("gm", "manager", "advisor"))
    login("manager@dealer-sh01.demo")
    r = client.post(f"/t/dealer-sh01/crisis/complaints/{c.id}/declare", data={"summary": "刹车失灵，客户受伤"})
    assert r.status_code == 303
    with in_tenant("dealer-sh01"):
        file = CrisisFile.get(CrisisFile.complaint == c.id)
    same = client.post(f"/t/dealer-sh01/crisis/{file.id}/team", data={
        "leader": gm.id, "executive": gm.id, "members": [advisor.id], "version": file.version})
    assert same.status_code == 422
    assert shown(app, "The executive leader must be someone other than the leader.") in same.get_data(as_text=True)
    r = client.post(f"/t/dealer-sh01/crisis/{file.id}/team", data={
        "leader": gm.id, "executive": manager.id, "members": [advisor.id], "version": file.version},
        headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="crisis"' in r.get_data(as_text=True)
    r = client.post(f"/t/dealer-sh01/crisis/{file.id}/plans", data={"body": "当面道歉，免费维修"})
    assert r.status_code == 303
    statement = client.post(f"/t/dealer-sh01/crisis/{file.id}/statements",
                            data={"kind": "statement", "audience": "media", "body": "声明"})
    assert statement.status_code == 403
    assert shown(app, "Only the crisis team leader, or the person the leader named, may record an external "
                           "statement.") in statement.get_data(as_text=True)
    page = client.get(f"/t/dealer-sh01/crisis/{file.id}").get_data(as_text=True)
    assert "当面道歉，免费维修" in page and shown(app, "Waiting for approval") in page


def test_a_second_dissatisfaction_moves_the_adjustment_milestone_instead_of_adding_one(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c, file = declared()
        plan = actions.submit_plan(team_up(file), f.user("manager@dealer-sh01.demo"), "方案")
        approvals.decide(approvals.Approval.get_by_id(plan.approval_id), f.user("gm@dealer-sh01.demo"), True)
        actions.customer_unsatisfied(file, f.user("manager@dealer-sh01.demo"), "一")
        actions.customer_unsatisfied(file, f.user("manager@dealer-sh01.demo"), "二")
        adjust = [m for m in Milestone.select() if m.key == "crisis_adjust"]
        assert len(adjust) == 1 and adjust[0].due_at == clock(c, "crisis_adjust").due_at


def test_a_closed_complaint_cannot_be_declared_a_crisis(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.REVISIT)
        with pytest.raises(actions.CrisisError):
            actions.declare(Complaint.get_by_id(c.id), f.user("manager@dealer-sh01.demo"), "迟到的危机")
