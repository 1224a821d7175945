"""Revisits against a real database: scheduling, outcomes that close or reopen, retries, crises, checklists."""
import datetime

import pytest

from portal.complaints import actions as complaint_actions
from portal.complaints.models import Complaint
from portal.complaints.rules import Move, MoveError, Status
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.revisits import actions, checklist
from portal.revisits.models import ChecklistItem, RevisitAnswer, RevisitTask
from portal.sla import settings
from portal.sla.calendar import add_working_days
from portal.sla.models import Deadline
from tests import factories as f

CS = "cs@dealer-sh01.demo"
LEADER = "manager@dealer-sh01.demo"  # leads 售后服务部, the department the factories transfer to


def record(task, tenant, satisfaction="satisfied", comment="", reached=True, attempts=1, **answers):
    cs = f.user(CS)
    return actions.record_revisit(task, cs, satisfaction, {**f.checklist_answers(tenant), **answers}, comment,
                                  attempts, reached)


def version(tenant) -> int:
    """The checklist's version as the settings page would show it now."""
    return checklist.template_for(tenant).version


def outbox_to(email):
    return list(OutboxMessage.select().where(OutboxMessage.recipient == email).order_by(OutboxMessage.id))


# --- scheduling ------------------------------------------------------------------------------

def test_implementing_a_complaint_schedules_a_revisit_within_five_working_days(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        task = f.open_revisit(c)
        clock = Deadline.get((Deadline.complaint == c.id) & (Deadline.kind == "revisit"))
        expected = add_working_days(settings.calendar_for(tenant), clock.started_at, 5)
        scheduled = Event.get((Event.kind == "revisit.scheduled") & (Event.subject_id == task.id))
    assert task.round == 1 and task.status == "open" and task.attempts == 0
    assert task.due_at == clock.due_at == expected
    assert scheduled.loaded("data")["number"] == c.number


def test_a_crisis_revisit_is_due_within_two_days(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.implemented(crisis=True)
        task = f.open_revisit(c)
        clock = Deadline.get((Deadline.complaint == c.id) & (Deadline.kind == "revisit"))
    assert task.due_at == clock.started_at + datetime.timedelta(days=2)


def test_the_tenants_revisit_days_set_the_due_date(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        settings.save(tenant, "deadlines", {**settings.load(tenant, "deadlines"), "revisit_days": 7},
                      f.user("admin@dealer-sh01.demo"), 0)
        c = f.implemented()
        task = f.open_revisit(c)
        started = Deadline.get((Deadline.complaint == c.id) & (Deadline.kind == "revisit")).started_at
        assert task.due_at == add_working_days(settings.calendar_for(tenant), started, 7)


# --- outcomes --------------------------------------------------------------------------------

def test_a_satisfied_revisit_closes_the_complaint_and_sends_the_result_to_the_department_leader(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        task = record(f.open_revisit(c), tenant, "very_satisfied", "这次解释清楚了")
        complaint = Complaint.get_by_id(c.id)
        stored = RevisitTask.get_by_id(task.id)
        mails = outbox_to(LEADER)
        answers = RevisitAnswer.select().where(RevisitAnswer.task == task.id).count()
    assert complaint.status == Status.CLOSED and complaint.closed_at is not None
    assert stored.status == "done" and stored.outcome == "closed" and stored.source == "revisit_form"
    assert stored.attempts == 1 and answers == 12
    assert mails and c.number in mails[-1].subject and "这次解释清楚了" in mails[-1].body


def test_the_department_leader_receives_the_result_over_smtp(app, in_tenant, mailbox):
    from portal import scope
    from portal.notify.actions import deliver_due
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        record(f.open_revisit(c), tenant, "satisfied", "满意")
    with app.app_context(), scope.scoped(scope.SYSTEM):
        deliver_due(app)
    received = [m for m in mailbox.to(LEADER) if c.number in m["subject"]]
    assert received and "满意" in received[-1]["body"]


@pytest.mark.parametrize("level", ["neutral", "dissatisfied", "very_dissatisfied"])
def test_a_revisit_that_is_not_satisfied_reopens_to_the_department_with_the_customers_words(app, in_tenant, level):
    words = "修补处颜色不一致，没人道歉。"
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        department = c.department_id
        task = record(f.open_revisit(c), tenant, level, words)
        complaint = Complaint.get_by_id(c.id)
        moved = (Event.select().where((Event.subject_id == c.id) & (Event.kind == "complaint.moved"))
                 .order_by(Event.id.desc()).first())
        mails = outbox_to(LEADER)
        plan_clock = Deadline.select().where((Deadline.complaint == c.id) & (Deadline.kind == "plan")
                                             & Deadline.met_at.is_null()).exists()
    assert complaint.status == Status.TRANSFERRED and complaint.department_id == department
    assert complaint.reopen_count == 1 and plan_clock
    assert moved.loaded("data")["comment"] == words and moved.loaded("data")["revisit_task"] == task.id
    assert task.outcome == "reopened" and words in mails[-1].body


def test_a_reopened_complaint_implemented_again_gets_a_new_revisit(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        first = record(f.open_revisit(c), tenant, "dissatisfied", "还是漏")
        f.advance(Complaint.get_by_id(c.id), Move.IMPLEMENT)
        second = f.open_revisit(c)
    assert second.id != first.id and second.round == 1


# --- unreachable customers -------------------------------------------------------------------

def test_an_unreachable_call_schedules_the_next_one_and_keeps_the_revisit_open(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        task = record(f.open_revisit(c), tenant, reached=False, attempts=2, comment="关机")
        complaint = Complaint.get_by_id(c.id)
    assert task.status == "open" and task.unreachable_count == 1 and task.attempts == 2
    assert task.next_attempt_at > datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert complaint.status == Status.REVISIT_PENDING


def test_three_unreachable_calls_mark_the_revisit_unreachable_and_tell_the_leader(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        task = f.open_revisit(c)
        record(task, tenant, reached=False)
        record(task, tenant, reached=False)
        before = len(outbox_to(LEADER))
        record(task, tenant, reached=False)
        status, count = task.status, task.unreachable_count
        complaint = Complaint.get_by_id(c.id)
        notices = outbox_to(LEADER)[before:]
        record(task, tenant, reached=False)  # a fourth try: no second notice
        again = len(outbox_to(LEADER)) - before
    assert status == "unreachable" and count == 3
    assert complaint.status == Status.REVISIT_PENDING
    assert len(notices) == 1 and c.number in notices[0].subject and again == 1


def test_a_customer_reached_after_being_marked_unreachable_can_still_be_recorded(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        settings.save(tenant, "revisits", {"max_unreachable": 1, "retry_working_hours": 4},
                      f.user("admin@dealer-sh01.demo"), 0)
        c = f.implemented()
        task = record(f.open_revisit(c), tenant, reached=False)
        assert task.status == "unreachable"
        record(task, tenant, "satisfied")
        assert Complaint.get_by_id(c.id).status == Status.CLOSED


# --- crises ----------------------------------------------------------------------------------

def test_a_crisis_complaint_closes_only_after_its_second_revisit(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented(crisis=True)
        first = record(f.open_revisit(c), tenant, "satisfied", "满意")
        after_first = Complaint.get_by_id(c.id).status
        second = f.open_revisit(c)
        clocks = list(Deadline.select().where((Deadline.complaint == c.id) & (Deadline.kind == "revisit"))
                      .order_by(Deadline.id))
        first_mail = outbox_to(LEADER)[-1]
        record(second, tenant, "very_satisfied")
        final = Complaint.get_by_id(c.id).status
    assert first.outcome == "second_revisit" and after_first == Status.REVISIT_PENDING
    assert second.round == 2 and second.due_at == clocks[-1].due_at
    assert clocks[0].met_at is not None and clocks[-1].started_at + datetime.timedelta(days=2) == second.due_at
    assert "second" in first_mail.subject.lower() or "2" in first_mail.subject
    assert final == Status.CLOSED


def test_a_dissatisfied_first_crisis_revisit_reopens_at_once(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented(crisis=True)
        record(f.open_revisit(c), tenant, "dissatisfied", "不满意")
        assert Complaint.get_by_id(c.id).status == Status.TRANSFERRED
        assert not RevisitTask.select().where((RevisitTask.complaint == c.id) & (RevisitTask.status == "open")).exists()


def test_a_satisfied_survey_before_the_first_crisis_revisit_is_refused_and_nothing_is_written(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.implemented(crisis=True)
        events_before = Event.select().count()
        with pytest.raises(MoveError) as refused:
            complaint_actions.move(c, Move.REVISIT, None, complaint_actions.CUSTOMER_PERMISSIONS,
                                   {"satisfaction": "satisfied", "comment": "挺好"})
        assert refused.value.problems == {"__all__": ["crisis_second_revisit"]}
        assert c.status == Status.REVISIT_PENDING  # the caller's object is put back too
        assert Complaint.get_by_id(c.id).status == Status.REVISIT_PENDING
        assert f.open_revisit(c).status == "open" and Event.select().count() == events_before


# --- other doors -----------------------------------------------------------------------------

def test_a_survey_answered_on_the_customer_link_closes_the_open_revisit(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.implemented()
        task = f.open_revisit(c)
        complaint_actions.move(c, Move.REVISIT, None, complaint_actions.CUSTOMER_PERMISSIONS,
                               {"satisfaction": "very_satisfied", "comment": "谢谢"})
        done = RevisitTask.get_by_id(task.id)
        mails = outbox_to(LEADER)
    assert c.status == Status.CLOSED
    assert done.status == "done" and done.source == "customer_link" and done.done_by_id is None
    assert done.satisfaction == "very_satisfied" and done.comment == "谢谢" and done.outcome == "closed"
    assert "谢谢" in mails[-1].body


def test_the_second_crisis_revisit_may_be_answered_on_the_customer_link(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented(crisis=True)
        record(f.open_revisit(c), tenant, "satisfied")
        second = f.open_revisit(c)
        complaint_actions.move(Complaint.get_by_id(c.id), Move.REVISIT, None,
                               complaint_actions.CUSTOMER_PERMISSIONS, {"satisfaction": "satisfied"})
        assert RevisitTask.get_by_id(second.id).source == "customer_link"
        assert Complaint.get_by_id(c.id).status == Status.CLOSED


def test_a_revisit_recorded_on_the_complaint_page_marks_the_task_done(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.implemented()
        task = f.open_revisit(c)
        f.advance(c, Move.REVISIT)
        done = RevisitTask.get_by_id(task.id)
    assert done.status == "done" and done.source == "complaint_page"


def test_merging_a_complaint_waiting_for_its_revisit_cancels_the_revisit(app, in_tenant):
    with in_tenant("dealer-sh01"):
        original = f.complaint(phone="13900000009")
        c = f.implemented()
        task = f.open_revisit(c)
        complaint_actions.merge(c, original, f.user(CS))
        assert RevisitTask.get_by_id(task.id).status == "cancelled"


# --- refusals --------------------------------------------------------------------------------

def test_a_required_checklist_item_left_empty_is_refused_and_nothing_is_written(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented()
        task = f.open_revisit(c)
        item = [i for i in checklist.items_of(checklist.template_for(tenant)) if i.required][-1]
        events_before = Event.select().count()
        with pytest.raises(actions.RevisitError) as refused:
            record(task, tenant, **{f"item_{item.id}": ""})
        assert refused.value.problems == {f"item_{item.id}": ["required"]}
        assert RevisitTask.get_by_id(task.id).status == "open"
        assert RevisitAnswer.select().count() == 0 and Event.select().count() == events_before
        assert Complaint.get_by_id(c.id).status == Status.REVISIT_PENDING


def test_a_reached_customer_without_a_satisfaction_level_is_refused(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        task = f.open_revisit(f.implemented())
        with pytest.raises(actions.RevisitError) as refused:
            record(task, tenant, satisfaction="")
    assert refused.value.problems == {"satisfaction": ["required"]}


def test_a_call_recorded_on_a_stale_form_is_refused(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        task = f.open_revisit(f.implemented())
        shown = task.version
        record(task, tenant, reached=False)
        with pytest.raises(actions.StaleRevisit):
            actions.record_revisit(RevisitTask.get_by_id(task.id), f.user(CS), "satisfied",
                                   f.checklist_answers(tenant), "", 1, True, expected_version=shown)


def test_a_revisit_already_recorded_cannot_be_recorded_again(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        task = record(f.open_revisit(f.implemented()), tenant)
        with pytest.raises(actions.RevisitError) as refused:
            record(task, tenant)
    assert refused.value.problems == {"__all__": ["already_recorded"]}


# --- the checklist template ------------------------------------------------------------------

def test_each_tenant_gets_the_default_checklist_of_its_kind_on_first_use(app, in_tenant):
    with in_tenant("dealer-sh01") as dealer:
        dealer_texts = [i.text for i in checklist.items_of(checklist.template_for(dealer))]
        again = checklist.template_for(dealer)
        assert ChecklistItem.select().count() == 12 and again.version == 1
    with in_tenant("prop-bj01") as prop:
        prop_texts = [i.text for i in checklist.items_of(checklist.template_for(prop))]
    assert "维修后车辆已清洁" in dealer_texts and "完工后现场已清理干净" in prop_texts
    assert "维修后车辆已清洁" not in prop_texts


def test_template_edits_do_not_change_past_revisits(app, in_tenant):
    admin = f.user("admin@dealer-sh01.demo")
    with in_tenant("dealer-sh01") as tenant:
        task = record(f.open_revisit(f.implemented()), tenant)
        asked = [(a.text, a.answer_type, a.required, a.value) for a in RevisitAnswer.select()
                 .where(RevisitAnswer.task == task.id).order_by(RevisitAnswer.position)]
        template = checklist.template_for(tenant)
        items = checklist.items_of(template)
        checklist.edit_item(tenant, admin, items[-1].id, "离店时礼貌道别并递上名片", False, "text", version(tenant))
        checklist.move_item(tenant, admin, items[4].id, "down", version(tenant))
        checklist.remove_item(tenant, admin, items[5].id, version(tenant))
        checklist.add_item(tenant, admin, "checklist", "主动告知下次保养时间", True, "yes_no", version(tenant))
        after = [(a.text, a.answer_type, a.required, a.value) for a in RevisitAnswer.select()
                 .where(RevisitAnswer.task == task.id).order_by(RevisitAnswer.position)]
        now_asked = [i.text for i in checklist.items_of(checklist.template_for(tenant))]
    assert after == asked
    assert "主动告知下次保养时间" in now_asked and "离店时礼貌道别并递上名片" in now_asked
    assert asked[-1][0] == "离店时礼貌道别" and asked[-1][1] == "yes_no"


def test_a_checklist_edit_on_a_stale_page_is_refused(app, in_tenant):
    admin = f.user("admin@dealer-sh01.demo")
    with in_tenant("dealer-sh01") as tenant:
        template = checklist.template_for(tenant)
        shown = template.version
        checklist.add_item(tenant, admin, "checklist", "问题一", True, "yes_no", shown)
        with pytest.raises(checklist.StaleChecklist):
            checklist.add_item(tenant, admin, "checklist", "问题二", True, "yes_no", shown)
        assert not ChecklistItem.select().where(ChecklistItem.text == "问题二").exists()


def test_reordering_keeps_positions_contiguous_within_a_section(app, in_tenant):
    admin = f.user("admin@dealer-sh01.demo")
    with in_tenant("dealer-sh01") as tenant:
        template = checklist.template_for(tenant)
        first, second = [i for i in checklist.items_of(template) if i.section == "checklist"][:2]
        checklist.move_item(tenant, admin, second.id, "up", version(tenant))
        checklist.remove_item(tenant, admin, first.id, version(tenant))
        positions = [i.position for i in checklist.items_of(template) if i.section == "checklist"]
        order = [i.id for i in checklist.items_of(template) if i.section == "checklist"]
    assert positions == list(range(1, 8)) and order[0] == second.id


def test_a_new_required_item_applies_to_revisits_recorded_from_now_on(app, in_tenant):
    admin = f.user("admin@dealer-sh01.demo")
    with in_tenant("dealer-sh01") as tenant:
        task = f.open_revisit(f.implemented())
        answers = f.checklist_answers(tenant)  # the form as shown before the edit
        template = checklist.template_for(tenant)
        added = checklist.add_item(tenant, admin, "checklist", "主动告知下次保养时间", True, "yes_no", template.version)
        with pytest.raises(actions.RevisitError) as refused:
            actions.record_revisit(task, f.user(CS), "satisfied", answers, "", 1, True)
    assert refused.value.problems == {f"item_{added.id}": ["required"]}


def test_a_satisfied_customer_survey_counts_as_the_first_crisis_revisit(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.implemented(crisis=True)
        first = f.open_revisit(c)
        actions.customer_survey(c, "satisfied", "处理及时")
        assert Complaint.get_by_id(c.id).status == Status.REVISIT_PENDING
        done = RevisitTask.get_by_id(first.id)
        second = f.open_revisit(c)
        assert done.source == "customer_link" and done.outcome == "second_revisit" and second.round == 2
        record(second, tenant, "satisfied")
        assert Complaint.get_by_id(c.id).status == Status.CLOSED


def test_a_customer_survey_on_an_ordinary_complaint_is_the_revisit_move(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.implemented()
        actions.customer_survey(c, "dissatisfied", "没解决")
        assert Complaint.get_by_id(c.id).status == Status.TRANSFERRED
        assert RevisitTask.get(RevisitTask.complaint == c.id).source == "customer_link"
