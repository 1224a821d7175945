"""The complaint verbs against a real database: numbering, moves, events, repeats, merges, locking."""
import threading

import pytest

from portal import scope
from portal.complaints import actions
from portal.complaints.models import Complaint, ComplaintLink, Plan
from portal.complaints.rules import Move, MoveError, Status
from portal.db import database
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.tenancy.models import Department, Tenant
from tests import factories as f


def test_intake_numbers_complaints_per_tenant_and_month(app, in_tenant):
    with in_tenant("dealer-sh01"):
        first, second = f.complaint(), f.complaint(phone="13900000001")
    assert first.number.startswith("SH01-") and first.number.endswith("-0001")
    assert second.number.endswith("-0002")
    with in_tenant("dealer-sh02"):
        other = f.complaint("dealer-sh02")
    assert other.number.startswith("SH02-") and other.number.endswith("-0001")


def test_intake_promises_a_reply_date_after_receipt(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    assert c.reply_due_at > c.received_at
    assert (c.reply_due_at - c.received_at).days >= 5


def test_replayed_intake_form_creates_exactly_one_complaint(app, in_tenant):
    with in_tenant("dealer-sh01"):
        a = f.complaint(intake_key="form-123")
        b = f.complaint(intake_key="form-123")
        assert a.id == b.id
        assert Complaint.select().count() == 1


def test_known_customer_is_recognised_by_phone(app, in_tenant):
    with in_tenant("dealer-sh01"):
        a = f.complaint(phone="138-0013-8000")
        b = f.complaint(phone="13800138000")
    assert a.customer_id == b.customer_id


def test_concurrent_intake_never_produces_duplicate_numbers(app):
    tenant = Tenant.get(Tenant.slug == "dealer-sh01")
    errors, numbers = [], []

    def worker(i):
        try:
            with app.app_context(), database.connection_context(), scope.scoped(scope.for_tenant(tenant)):
                numbers.append(f.complaint(phone=f"1390000{i:04d}").number)
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(numbers)) == 12
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 13))


def test_walking_all_seven_steps_closes_the_complaint_with_an_event_per_step(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.REVISIT)
        assert Complaint.get_by_id(c.id).status == Status.CLOSED
        moves = [e.loaded("data")["move"] for e in Event.select().where(
            (Event.subject_id == c.id) & (Event.kind == "complaint.moved")).order_by(Event.id)]
        assert moves == [str(m) for m in f.PATH]


def test_dissatisfied_revisit_reopens_the_complaint_to_the_department(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.IMPLEMENT)
        gm = f.user("gm@dealer-sh01.demo")
        actions.move(c, Move.REVISIT, gm, actions.permissions_of(gm, c.tenant), {"satisfaction": "dissatisfied"})
        c = Complaint.get_by_id(c.id)
    assert c.status == Status.TRANSFERRED and c.reopen_count == 1


@pytest.mark.parametrize("step", list(f.PATH))
def test_a_refused_move_writes_nothing(app, in_tenant, step):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        if step != Move.START_INVESTIGATION:
            f.advance(c, Move.START_INVESTIGATION)
        before_events = Event.select().count()
        before = Complaint.get_by_id(c.id)
        target_step = Move.START_INVESTIGATION if step != Move.START_INVESTIGATION else Move.IMPLEMENT
        cs = f.user("cs@dealer-sh01.demo")
        with pytest.raises(MoveError):
            actions.move(before, target_step, cs, actions.permissions_of(cs, c.tenant), {})
        assert Event.select().count() == before_events
        assert Complaint.get_by_id(c.id).version == before.version


def test_a_department_member_without_the_transfer_permission_cannot_transfer(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.START_INVESTIGATION)
        advisor = f.user("advisor@dealer-sh01.demo")
        with pytest.raises(MoveError) as err:
            actions.move(c, Move.TRANSFER, advisor, actions.permissions_of(advisor, c.tenant),
                         {"findings": "x", "department": Department.select().first(), "instructions": "y"})
    assert err.value.problems == {"__all__": ["not_permitted"]}


def test_second_save_on_a_stale_version_is_refused_and_overwrites_nothing(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.START_INVESTIGATION)
        gm = f.user("gm@dealer-sh01.demo")
        perms = actions.permissions_of(gm, c.tenant)
        seen = c.version
        first, second = Complaint.get_by_id(c.id), Complaint.get_by_id(c.id)
        actions.move(first, Move.TRANSFER, gm, perms, dict(f.STEP_DATA[Move.TRANSFER],
                     department=Department.select().first()), expected_version=seen)
        with pytest.raises(actions.StaleError) as err:
            actions.move(second, Move.CLOSE_INVALID, gm, perms,
                         {"findings": "n", "opinion_told_via": "phone", "customer_told": True}, expected_version=seen)
        assert err.value.current.status == Status.TRANSFERRED
        assert Complaint.get_by_id(c.id).status == Status.TRANSFERRED


def test_transfer_emails_the_department_leader(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.START_INVESTIGATION)
        dept = Department.get(Department.name == "售后服务部")
        cs = f.user("cs@dealer-sh01.demo")
        actions.move(c, Move.TRANSFER, cs, actions.permissions_of(cs, c.tenant),
                     dict(f.STEP_DATA[Move.TRANSFER], department=dept))
        mails = list(OutboxMessage.select())
    assert [m.recipient for m in mails] == ["manager@dealer-sh01.demo"]
    assert c.number in mails[0].subject


def test_new_complaint_about_a_closed_problem_is_a_linked_repeat(app, in_tenant):
    with in_tenant("dealer-sh01"):
        first = f.advance(f.complaint(), Move.REVISIT)
        again = f.complaint()
        other_car = f.complaint(plate="沪B99999")
        assert again.is_repeat and again.repeat_of_id == first.id
        assert ComplaintLink.get(ComplaintLink.source == again.id).kind == "repeat"
        assert not other_car.is_repeat


def test_merging_a_duplicate_keeps_its_history_and_points_to_the_original(app, in_tenant):
    with in_tenant("dealer-sh01"):
        original, dup = f.complaint(), f.complaint(phone="13700000000", email="li@example.com")
        actions.merge(dup, original, f.user("cs@dealer-sh01.demo"))
        dup = Complaint.get_by_id(dup.id)
        assert dup.status == Status.MERGED and dup.merged_into_id == original.id
        assert Event.select().where(Event.subject_id == dup.id).count() == 2
        told = OutboxMessage.get(OutboxMessage.recipient == "li@example.com")
    assert original.number in told.subject


def test_customer_rejection_sends_the_plan_back_for_a_new_one(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.advance(f.complaint(), Move.PROPOSE_PLAN)
        actions.move(c, Move.CUSTOMER_RESPONSE, None, actions.CUSTOMER_PERMISSIONS,
                     {"agreed": False, "opinion": "退款太少"})
        plan = Plan.get(Plan.complaint == c.id)
    assert c.status == Status.TRANSFERRED
    assert plan.agreed is False and plan.answered_by_customer
