"""The cluster rule's register (sla/clusters.py): the intake's findings from a few index reads are the
findings of counting every complaint, through intake, conversion, merge, closing as not valid, a
change of category and an erased phone number; and only members a new complaint brings into a
cluster are graded again."""
import datetime
import importlib.util
import random
from pathlib import Path

import pytest

from portal.cli import MIGRATIONS
from portal.complaints import actions
from portal.complaints.models import Complaint, Customer
from portal.complaints.rules import Kind, Move, Status
from portal.db import database, now
from portal.events import Event
from portal.sla import clusters, escalation, grading
from portal.sla.models import ClusterComplainant, ClusterEntry
from portal.tenancy.models import Category
from tests import factories as f


def reference(c: Complaint, at) -> list:
    """The cluster finding as the rule gives it over every complaint of the tenant (merged ones left out)."""
    rows = (Complaint.select(Complaint, Customer.phone).join(Customer, on=(Complaint.customer == Customer.id))
            .where((Complaint.status != Status.MERGED) & (Complaint.id != c.id)))
    history = [escalation.facts(x, x.customer.phone, at) for x in rows]
    mine = escalation.facts(c, Customer.get_by_id(c.customer_id).phone, at)
    return [x for x in grading.evaluate(mine, history, escalation.thresholds_for(c.tenant), at) if x.rule == "cluster"]


def stored(c: Complaint) -> list:
    """The cluster finding as escalation works it out for a stored complaint (the window from the register)."""
    return [x for x in escalation.evaluate(c) if x.rule == "cluster"]


def rebuilt() -> tuple[set, set]:
    """What the two tables should hold, worked out from the complaints themselves."""
    entries = {(x.id, x.category_id, x.received_at, grading.complainant_key(x.customer.phone, x.id))
               for x in Complaint.select(Complaint, Customer).join(Customer)
               if x.kind == Kind.COMPLAINT and x.category_id and x.status != Status.MERGED}
    latest = {}
    for _, category, received, key in entries:
        latest[category, key] = max(received, latest.get((category, key), received))
    return entries, {(category, key, at) for (category, key), at in latest.items()}


def held() -> tuple[set, set]:
    entries = {(e.complaint_id, e.category_id, e.received_at, e.complainant) for e in ClusterEntry.select()}
    latest = {(r.category_id, r.complainant, r.last_at) for r in ClusterComplainant.select()}
    return entries, latest


def test_the_register_gives_the_intake_the_findings_of_counting_every_complaint(app, in_tenant, monkeypatch):
    rng = random.Random(7)
    clock = [now() - datetime.timedelta(days=200)]
    monkeypatch.setattr(actions, "now", lambda: clock[0])
    phones = [f"1390000{i:04d}" for i in range(9)] + [""]  # "": no phone, its own complainant each time
    with in_tenant("dealer-sh01") as tenant:
        cats = list(Category.select().order_by(Category.position))[:2]
        gm = f.user("gm@dealer-sh01.demo")
        perms = actions.permissions_of(gm, tenant)
        made, fast = [], 0
        for step in range(45):
            # mostly forward in time, hours apart (windows of 20+ complaints); now and then backdated
            clock[0] += datetime.timedelta(hours=rng.choice([1, 3, 8, 30]) * (-1 if step % 11 == 10 else 1))
            kind = rng.choice([Kind.COMPLAINT] * 4 + [Kind.INQUIRY])
            c = f.complaint(phone=rng.choice(phones), category=rng.choice(cats), kind=kind)
            made.append(c)
            if kind == Kind.COMPLAINT:
                newest = clusters.for_newest(c, grading.complainant_key(c.customer.phone, c.id),
                                             escalation.thresholds_for(tenant))
                expected = reference(c, now())
                assert stored(c) == expected, step
                if newest is not None:
                    fast += 1
                    assert newest.findings == expected, step
            action = rng.random()
            pick = rng.choice(made)
            pick = Complaint.get_by_id(pick.id)
            if action < 0.08 and pick.kind == Kind.INQUIRY and pick.status == Status.RECEIVED:
                actions.move(pick, Move.CONVERT, gm, perms, {"reason": "其实是投诉"})
            elif action < 0.16 and pick.status not in (Status.MERGED, Status.CLOSED_INVALID) and pick.id != c.id:
                actions.merge(pick, Complaint.get_by_id(c.id), gm)
            elif action < 0.22 and pick.status == Status.RECEIVED and pick.kind == Kind.COMPLAINT:
                actions.move(pick, Move.START_INVESTIGATION, gm, perms, {})
                actions.move(pick, Move.CLOSE_INVALID, gm, perms,
                             {"findings": "不成立", "opinion_told_via": "phone", "customer_told": True})
            elif action < 0.28:  # what a register edit must do after changing the category
                Complaint.update(category=cats[pick.category_id == cats[0].id]).where(Complaint.id == pick.id).execute()
                clusters.recount(Complaint.get_by_id(pick.id))
            elif action < 0.30 and pick.customer.phone:  # and an erasure, after blanking the phone
                Customer.update(phone="").where(Customer.id == pick.customer_id).execute()
                for x in Complaint.select().where(Complaint.customer == pick.customer_id):
                    clusters.recount(x)
            assert held() == rebuilt(), step
        assert fast > 25  # the index count answered most intakes
        assert Complaint.select().where(Complaint.status == Status.CLOSED_INVALID).exists()  # they still count
        limited = 0
        for c in Complaint.select().where(Complaint.id.in_([c.id for c in made]) & (Complaint.kind == Kind.COMPLAINT)):
            found = stored(c)
            assert found == reference(c, now()), c.id
            limited += any(len(x.related_ids) == grading.RELATED_LIMIT for x in found)
        assert limited  # windows busier than the findings name


def _migration_0011():
    path = next(Path(MIGRATIONS).glob("0011_*.py"))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_fills_the_register_from_the_complaints_already_there(app, in_tenant):
    with in_tenant("dealer-sh01"):
        cat = Category.select().order_by(Category.position).first()
        for i in range(4):
            f.complaint(phone=f"1310000000{i % 3}", category=cat)
        f.complaint(phone="", category=cat)
        merged = f.complaint(phone="13100000009", category=cat)
        actions.merge(merged, f.complaint(phone="13100000008", category=cat), f.user("gm@dealer-sh01.demo"))
    from portal import scope
    with app.app_context(), scope.scoped(scope.SYSTEM):
        maintained = held()
        assert len(maintained[0]) >= 6
        ClusterComplainant.delete().execute()
        ClusterEntry.delete().execute()
        with database.atomic():
            _migration_0011()._fill(database.obj)
        assert held() == maintained == rebuilt()


def _cluster_of_four(in_tenant):
    with in_tenant("dealer-sh01"):
        cat = Category.select().order_by(Category.position).first()
        return [f.complaint(phone=f"1320000000{i}", category=cat) for i in range(4)], cat


def test_a_grade_staff_lowered_stays_lowered_when_the_cluster_grows(app, in_tenant):
    members, cat = _cluster_of_four(in_tenant)
    with in_tenant("dealer-sh01") as tenant:
        gm = f.user("gm@dealer-sh01.demo")
        lowered = Complaint.get_by_id(members[0].id)
        assert lowered.grade == "hot"
        escalation.change_grade(lowered, "general", "同一批次误登记", gm, actions.permissions_of(gm, tenant))
        newcomer = f.complaint(phone="13200000009", category=cat)
        assert Complaint.get_by_id(newcomer.id).grade == "hot"
        assert Complaint.get_by_id(lowered.id).grade == "general"
        raised = Event.select().where((Event.subject_id == lowered.id) & (Event.kind == "grade.raised")).count()
    assert raised == 1  # when the cluster formed, not again


def test_the_members_a_new_complainant_brings_into_a_cluster_are_graded(app, in_tenant):
    with in_tenant("dealer-sh01"):
        cat = Category.select().order_by(Category.position).first()
        first = [f.complaint(phone="13300000001", category=cat) for _ in range(3)]  # one person, three times
        second = f.complaint(phone="13300000002", category=cat)
        assert {Complaint.get_by_id(c.id).grade for c in first + [second]} == {"general"}
        again = f.complaint(phone="13300000002", category=cat)  # a complainant already counted: still two
        assert Complaint.get_by_id(again.id).grade == "general"
        third = f.complaint(phone="13300000003", category=cat)
        grades = {Complaint.get_by_id(c.id).grade for c in first + [second, again, third]}
    assert grades == {"hot"}


@pytest.mark.parametrize("size", [2, 3, 5])
def test_the_intake_fires_at_the_tenants_cluster_size_and_not_one_below(app, in_tenant, size):
    from portal.sla import settings
    with in_tenant("dealer-sh01") as tenant:
        values = settings.load(tenant, "escalation")
        settings.save(tenant, "escalation", dict(values, cluster_size=size), f.user("admin@dealer-sh01.demo"), 0)
        cat = Category.select().order_by(Category.position).first()
        made = [f.complaint(phone=f"1340000000{i}", category=cat) for i in range(size - 1)]
        below = {Complaint.get_by_id(c.id).grade for c in made}
        made.append(f.complaint(phone="13400000009", category=cat))
        reached = {Complaint.get_by_id(c.id).grade for c in made}
    assert below == {"general"} and reached == {"hot"}


@pytest.mark.parametrize("after,hot", [(datetime.timedelta(days=30), True),
                                       (datetime.timedelta(days=30, microseconds=1), False)])
def test_the_intake_counts_a_complaint_exactly_on_the_windows_first_day_and_none_before(
        app, in_tenant, monkeypatch, after, hot):
    start = now() - datetime.timedelta(days=31)
    clock = [start]
    monkeypatch.setattr(actions, "now", lambda: clock[0])
    with in_tenant("dealer-sh01"):
        cat = Category.select().order_by(Category.position).first()
        f.complaint(phone="13500000001", category=cat)
        clock[0] = start + datetime.timedelta(days=10)
        f.complaint(phone="13500000002", category=cat)
        clock[0] = start + after
        last = f.complaint(phone="13500000003", category=cat)
        newest = clusters.for_newest(last, "13500000003", escalation.thresholds_for(last.tenant))
        grade = Complaint.get_by_id(last.id).grade
    assert bool(newest.findings) is hot
    assert grade == ("hot" if hot else "general")
