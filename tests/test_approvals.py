"""Approvals: routed by grade, decided only by the routed approver (or their delegate), never by the requester."""
import datetime

import pytest

from portal import scope
from portal.approvals import actions, queries, rules
from portal.approvals.models import Approval
from portal.complaints.models import Complaint
from portal.db import now
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.tenancy.models import Network
from tests import factories as f
from tests.conftest import translated


def shown(app, msgid, **values) -> str:
    """A text as the pages render it: in the portal's default language (the demo users choose none)."""
    return translated(app, msgid, app.config["BABEL_DEFAULT_LOCALE"], **values)


def graded(grade: str, slug="dealer-sh01"):
    c = f.complaint(slug)
    Complaint.update(grade=grade).where(Complaint.id == c.id).execute()
    return Complaint.get_by_id(c.id)


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


@pytest.mark.parametrize("grade, route, refused, approver", [
    ("general", "role:general_manager", "manager@dealer-sh01.demo", "gm@dealer-sh01.demo"),
    ("hot", "role:general_manager", "manager@dealer-sh01.demo", "gm@dealer-sh01.demo"),
    ("important", "permission:approval.decide", "cs@dealer-sh01.demo", "manager@dealer-sh01.demo"),
    ("major", "hq", "gm@dealer-sh01.demo", "hq@svw.demo"),
])
def test_a_crisis_plan_is_approved_by_the_approver_of_its_grade_and_nobody_else(app, in_tenant, grade, route,
                                                                               refused, approver):
    with in_tenant("dealer-sh01"):
        c = graded(grade)
        a = actions.request(c, "crisis_plan", f.user("advisor@dealer-sh01.demo"), "先道歉并免费检测")
        assert a.route == route
        with pytest.raises(actions.ApprovalError) as err:
            actions.decide(a, f.user(refused), True)
        assert err.value.problems == {"__all__": ["not_your_approval"]}
        actions.decide(a, f.user(approver), True, "同意")
        assert Approval.get_by_id(a.id).status == "approved"


def test_headquarters_of_another_network_cannot_approve_a_major_plan(app, in_tenant):
    with in_tenant("dealer-sh01"):
        a = actions.request(graded("major"), "crisis_plan", f.user("manager@dealer-sh01.demo"), "方案")
        with pytest.raises(actions.ApprovalError):
            actions.decide(a, f.user("hq@prop.demo"), True)


def test_nobody_approves_their_own_request(app, in_tenant):
    with in_tenant("dealer-sh01"):
        a = actions.request(graded("general"), "crisis_plan", f.user("gm@dealer-sh01.demo"), "方案")
        with pytest.raises(actions.ApprovalError) as err:
            actions.decide(a, f.user("gm@dealer-sh01.demo"), True)
    assert err.value.problems == {"__all__": ["own_request"]}


def test_a_rejection_needs_a_reason_and_is_recorded_with_it(app, in_tenant):
    with in_tenant("dealer-sh01"):
        a = actions.request(graded("general"), "crisis_plan", f.user("manager@dealer-sh01.demo"), "方案")
        gm = f.user("gm@dealer-sh01.demo")
        with pytest.raises(actions.ApprovalError) as err:
            actions.decide(a, gm, False, "  ")
        assert err.value.problems == {"comment": ["reason_for_rejection"]}
        actions.decide(a, gm, False, "赔偿金额需法务确认")
        decided = Event.select().where(Event.kind == "approval.decided").get().loaded("data")
    assert decided["approved"] is False and decided["comment"] == "赔偿金额需法务确认"


def test_a_decided_request_cannot_be_decided_again(app, in_tenant):
    with in_tenant("dealer-sh01"):
        a = actions.request(graded("important"), "crisis_plan", f.user("advisor@dealer-sh01.demo"), "方案")
        stale = Approval.get_by_id(a.id)
        actions.decide(a, f.user("manager@dealer-sh01.demo"), True)
        with pytest.raises(actions.ApprovalError) as err:
            actions.decide(stale, f.user("gm@dealer-sh01.demo"), False, "不同意")
    assert err.value.problems == {"__all__": ["already_decided"]}


def test_the_approvers_are_asked_by_mail(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = graded("hot")
        actions.request(c, "crisis_plan", f.user("manager@dealer-sh01.demo"), "方案")
        to = sent(app, "Complaint %(number)s: your decision is asked (%(what)s)", number=c.number,
                  what=tr("Crisis plan"))
    assert to == {"gm@dealer-sh01.demo"}


def test_while_the_gm_is_away_their_delegate_decides_in_their_name_and_not_after(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        gm, cs = f.user("gm@dealer-sh01.demo"), f.user("cs@dealer-sh01.demo")
        a = actions.request(graded("general"), "crisis_plan", f.user("manager@dealer-sh01.demo"), "方案")
        with pytest.raises(actions.ApprovalError):
            actions.decide(a, cs, True)  # not routed to the specialist
        away = actions.delegate(tenant, gm, cs, now() - datetime.timedelta(hours=1), now() + datetime.timedelta(days=3))
        assert [x.id for x in queries.inbox(cs, tenant.id)] == [a.id]
        actions.decide(a, cs, True, "代总经理批准")
        row = Approval.get_by_id(a.id)
        assert (row.decided_by_id, row.on_behalf_of_id) == (cs.id, gm.id)
        actions.end_delegation(away, gm)
        b = actions.request(graded("general"), "crisis_plan", f.user("manager@dealer-sh01.demo"), "方案2")
        with pytest.raises(actions.ApprovalError):
            actions.decide(b, cs, True)


def test_an_approved_downgrade_lowers_the_grade_in_the_approvers_name(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=3)  # hot by the collective rule
        assert Complaint.get_by_id(c.id).grade == "hot"
        a = actions.request_downgrade(c, f.user("cs@dealer-sh01.demo"), "general", "实为一人代表三户，已核实")
        assert a.route == "permission:approval.decide"
        actions.decide(a, f.user("manager@dealer-sh01.demo"), True)
        lowered = Event.select().where((Event.subject_id == c.id) & (Event.kind == "grade.lowered")).get()
        assert Complaint.get_by_id(c.id).grade == "general"
    assert lowered.actor.email == "manager@dealer-sh01.demo"


def test_a_major_downgrade_goes_to_headquarters(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=5)
        a = actions.request_downgrade(c, f.user("gm@dealer-sh01.demo"), "hot", "人数登记有误")
    with app.app_context(), scope.scoped(scope.for_network(Network.get(Network.slug == "svw"))):
        assert [x.id for x in queries.pending_for_hq()] == [a.id]
        actions.decide(Approval.get_by_id(a.id), f.user("hq@svw.demo"), True)
        assert Complaint.get_by_id(c.id).grade == "hot"


def test_routes_are_a_tenant_setting(app, in_tenant):
    from portal.sla import settings
    with in_tenant("dealer-sh01") as tenant:
        values = settings.load(tenant, "approvals")
        settings.save(tenant, "approvals", dict(values, crisis_plan_hot="role:service_manager"),
                      f.user("admin@dealer-sh01.demo"), 0)
        a = actions.request(graded("hot"), "crisis_plan", f.user("advisor@dealer-sh01.demo"), "方案")
        assert a.route == "role:service_manager"
        actions.decide(a, f.user("manager@dealer-sh01.demo"), True)


def test_route_rules_refuse_a_malformed_route():
    assert rules.validate_routes(dict(rules.DEFAULT_ROUTES)) == {}
    assert rules.validate_routes(dict(rules.DEFAULT_ROUTES, crisis_plan_hot="boss")) == {
        "crisis_plan_hot": "invalid_route"}


# --- over HTTP ---------------------------------------------------------------------------------

def test_the_wrong_approver_is_refused_with_403_and_the_right_one_decides_from_the_inbox(app, client, login,
                                                                                        in_tenant):
    with in_tenant("dealer-sh01"):
        a = actions.request(graded("hot"), "crisis_plan", f.user("manager@dealer-sh01.demo"), "先道歉并免费检测")
    login("cs@dealer-sh01.demo")
    assert "先道歉并免费检测" not in client.get("/t/dealer-sh01/approvals/").get_data(as_text=True)
    refused = client.post(f"/t/dealer-sh01/approvals/{a.id}/decide", data={"decision": "approve", "version": "1"})
    assert refused.status_code == 403
    client.post("/logout")
    login("gm@dealer-sh01.demo")
    assert "先道歉并免费检测" in client.get("/t/dealer-sh01/approvals/").get_data(as_text=True)
    empty = client.post(f"/t/dealer-sh01/approvals/{a.id}/decide", data={"decision": "reject", "version": "1"})
    reason = shown(app, "Say why you reject it: the requester needs to know what to change.")
    assert empty.status_code == 422 and reason in empty.get_data(as_text=True)
    ok = client.post(f"/t/dealer-sh01/approvals/{a.id}/decide", data={"decision": "approve", "version": "1"},
                     headers={"HX-Request": "true"})
    assert ok.status_code == 200 and 'id="approvals"' in ok.get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        assert Approval.get_by_id(a.id).status == "approved"


def test_someone_away_names_a_colleague_on_the_away_page(app, client, login, in_tenant):
    login("gm@dealer-sh01.demo")
    with in_tenant("dealer-sh01"):
        manager = f.user("manager@dealer-sh01.demo")
    today = datetime.date.today()
    bad = client.post("/t/dealer-sh01/approvals/away", data={"delegate": manager.id, "starts": today.isoformat(),
                                                             "ends": (today - datetime.timedelta(days=1)).isoformat()})
    assert bad.status_code == 422
    assert shown(app, "The last day must not be before the first day.") in bad.get_data(as_text=True)
    ok = client.post("/t/dealer-sh01/approvals/away", data={"delegate": manager.id, "starts": today.isoformat(),
                                                            "ends": (today + datetime.timedelta(days=2)).isoformat()})
    assert ok.status_code == 303
    page = client.get("/t/dealer-sh01/approvals/away").get_data(as_text=True)
    assert shown(app, "%(name)s decides for you", name=manager.name) in page


def test_the_gm_decides_a_crisis_plan_on_the_complaint_page(app, client, login, in_tenant):
    from portal.crisis import actions as crisis
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        file = crisis.declare(c, f.user("manager@dealer-sh01.demo"), "受伤")
        plan = crisis.submit_plan(file, f.user("manager@dealer-sh01.demo"), "当面道歉")
    login("gm@dealer-sh01.demo")
    page = client.get(f"/t/dealer-sh01/complaints/{c.id}").get_data(as_text=True)
    assert f'id="approval-{plan.approval_id}"' in page
    r = client.post(f"/t/dealer-sh01/approvals/{plan.approval_id}/decide",
                    data={"decision": "approve", "version": "1", "back": "complaint"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="complaint"' in r.get_data(as_text=True)
    with in_tenant("dealer-sh01"):
        assert Approval.get_by_id(plan.approval_id).status == "approved"


def test_asking_for_a_downgrade_needs_a_reason(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint(complainants=3)
    login("cs@dealer-sh01.demo")
    url = f"/t/dealer-sh01/approvals/complaints/{c.id}/downgrade"
    assert client.post(url, data={"grade": "general", "reason": ""}).status_code == 422
    assert client.post(url, data={"grade": "general", "reason": "登记错误"}).status_code == 303
    with in_tenant("dealer-sh01"):
        a = Approval.get(Approval.complaint == c.id)
    assert (a.kind, a.data, a.route) == ("downgrade", {"grade": "general", "reason": "登记错误"},
                                         "permission:approval.decide")
