"""One tenant's register as plain rows: customers, complaints and everything that happened to them.

Used by `bench.generate`, which writes the rows. Material from DOMAIN.md §10 (`bench/corpus.py`).
"""
import datetime
import itertools
import json
import math
import random

from .corpus import (ANSWERS, GIVEN, INQUIRIES, MODELS, NOTES, PHONE_PREFIXES, PLATE_LETTERS, STORIES,
                     SURNAMES, VIN_CHARS)

MONTHS = 24
KINDS = {"complaint": 62, "repair": 23, "inquiry": 15}
CHANNELS = {"phone": 50, "walk_in": 15, "web": 10, "hq_dispatch": 8, "email": 5, "consumer_association": 4,
            "other": 4, "letter": 2, "media": 1, "fax": 1}
GRADES = {"general": 85, "important": 10, "hot": 4, "major": 1}
OPEN_PATH = ["received", "investigating", "transferred", "plan_proposed", "implementing", "revisit_pending"]
MOVE_INTO = {"investigating": "start_investigation", "transferred": "transfer", "plan_proposed": "propose_plan",
             "implementing": "customer_response", "revisit_pending": "implement", "closed": "revisit",
             "closed_invalid": "close_invalid", "answered": "answer"}
DEPARTMENT_OF = {"配件供应": "配件部", "销售承诺": "销售部", "收费争议": "财务部", "服务态度": "客户关系部"}


class Picker:
    """A weighted choice that stays cheap when called a million times."""

    def __init__(self, rng, weights: dict):
        self.rng, self.values = rng, list(weights)
        self.cum = list(itertools.accumulate(weights.values()))

    def __call__(self):
        return self.rng.choices(self.values, cum_weights=self.cum)[0]


def _dump(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)



def deadline_model():
    """The SLA clock model, when this version of the portal has one."""
    sla = _sla()
    return sla[0] if sla else None


def _sla():
    """The deadline model and calendar helpers, when this version of the portal has them."""
    try:
        from portal.sla import settings
        from portal.sla.calendar import add_working_days
        from portal.sla.models import Deadline
    except ImportError:
        return None
    return Deadline, settings, add_working_days


class Register:
    """Builds one tenant's complaints, batch by batch, as plain rows."""

    def __init__(self, tenant, rng: random.Random, ids, now: datetime.datetime):
        from portal.accounts.models import User
        from portal.tenancy.models import Category, Department
        self.tenant, self.rng, self.ids, self.now = tenant, rng, ids, now
        people = {u.email.split("@")[0]: u for u in User.select().where(User.email.endswith(f"@{tenant.slug}.demo"))}
        self.cs, self.manager = people["cs"], people["manager"]
        self.handlers = [people[p] for p in ("advisor", "manager", "cs") if p in people]
        self.category = {c.name: c.id for c in Category.select().where(Category.tenant == tenant.id)}
        self.department = {d.name: d.id for d in Department.select().where(Department.tenant == tenant.id)}
        self.kind, self.channel, self.grade = Picker(rng, KINDS), Picker(rng, CHANNELS), Picker(rng, GRADES)
        self.customers = []  # ids of every customer so far: repeat customers come back
        self.phones = set()
        self.last_of = {}  # customer id -> (complaint id, number) of their latest complaint
        self.counters = {}  # period -> last number handed out
        self.phone_of = {}  # customer id -> phone
        self.cluster_latest = {}  # (category, complainant) -> their latest complaint the cluster rule counts
        self.orders = 0  # supervision orders issued so far (their per-tenant seq)
        self.sla = _sla()
        from portal.complaints.models import Complaint
        self.has_clock_columns = "next_due_at" in Complaint._meta.fields
        self._setup_calendar()
        self.start = now - datetime.timedelta(days=30.4 * MONTHS)

    def _setup_calendar(self):
        if self.sla:
            _, settings, add_days = self.sla
            cal, cfg = settings.calendar_for(self.tenant), settings.load(self.tenant, "deadlines")
            self.cfg = cfg
            self.working_days = lambda at, days: add_days(cal, at, int(days))
        else:
            from portal.sla.calendar import BusinessCalendar, add_working_days
            cal = BusinessCalendar(timezone=self.tenant.timezone)
            self.cfg = {"reply_days": 5}
            self.working_days = lambda at, days: add_working_days(cal, at, int(days))

    def moments(self, count: int) -> list[datetime.datetime]:
        """Receipt times over the last 24 months, more of them recently, in shop hours (Shanghai 8-20h)."""
        span = (self.now - self.start).total_seconds() - 3600
        out = []
        for _ in range(count):
            day = self.start + datetime.timedelta(seconds=span * math.sqrt(self.rng.random()))  # growing business
            out.append(day.replace(hour=self.rng.randint(0, 11), minute=self.rng.randint(0, 59),
                                   second=self.rng.randint(0, 59), microsecond=self.rng.randint(0, 999999)))
        out = sorted(min(m, self.now - datetime.timedelta(minutes=5)) for m in out)
        return out

    # --- one complaint -----------------------------------------------------------------------

    def complaint(self, rows, received: datetime.datetime) -> None:
        """One complaint as it stands today, with everything that happened to it on the way."""
        from portal.complaints.models import Complaint
        kind = self.kind()
        customer = self._customer(rows, received)
        earlier = self.last_of.get(customer)
        row = self._defaults()
        row.update(id=self.ids.take(Complaint), tenant=self.tenant.id, number=self._number(received), kind=kind,
                   channel=self.channel(), grade=self.grade(), customer=customer, created_by=self.cs.id,
                   received_at=received, intake_key=f"{self.rng.getrandbits(128):032x}",
                   vip=self.rng.random() < 0.05, crisis=self.rng.random() < 0.003,
                   complainants=1 if self.rng.random() > 0.01 else self.rng.randint(2, 8),
                   **self._text(kind), **self._vehicle())
        row["category"] = self.category.get(self._category_name)
        path = self._lifecycle(kind, received, earlier)
        row["status"] = path[-1][0]
        self._story_rows(rows, row, path, earlier)
        rows.add(Complaint, **row)
        self.last_of[customer] = (row["id"], row["number"])
        self._cluster_entry(rows, row)

    def _defaults(self) -> dict:
        return {"category": None, "department": None, "assignee": None, "is_repeat": False, "repeat_of": None,
                "merged_into": None, "closed_at": None, "reply_due_at": None, "updated_at": None, "version": 1,
                "reopen_count": 0, "link_version": 1, "report_required": False}

    def _customer(self, rows, received) -> int:
        from portal.complaints.models import Customer
        if self.customers and self.rng.random() < 0.3:  # a customer who has complained before
            return self.rng.choice(self.customers)
        rng = self.rng
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        while phone in self.phones:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        self.phones.add(phone)
        cid = self.ids.take(Customer)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        rows.add(Customer, id=cid, tenant=self.tenant.id, name=name, phone=phone, locale="zh_Hans",
                 email=f"c{cid}@example.com" if rng.random() < 0.3 else None,
                 address="上海市浦东新区" if rng.random() < 0.2 else None, created_at=received)
        self.customers.append(cid)
        self.phone_of[cid] = phone
        return cid

    def _cluster_entry(self, rows, c: dict) -> None:
        """The cluster rule's register (portal/sla/clusters.py): a complaint with a category, not merged."""
        try:
            from portal.sla.grading import complainant_key
            from portal.sla.models import ClusterEntry
        except ImportError:  # a version of the portal without it
            return
        if c["kind"] != "complaint" or c["category"] is None or c["status"] == "merged":
            return
        key = complainant_key(self.phone_of[c["customer"]], c["id"])
        rows.add(ClusterEntry, tenant=self.tenant.id, complaint=c["id"], category=c["category"],
                 received_at=c["received_at"], complainant=key)
        latest = self.cluster_latest.get((c["category"], key))
        self.cluster_latest[c["category"], key] = max(latest or c["received_at"], c["received_at"])

    def cluster_complainants(self) -> list[dict]:
        """Each complainant's latest counted complaint per category, once every complaint is written."""
        return [{"tenant": self.tenant.id, "category": category, "complainant": key, "last_at": at}
                for (category, key), at in sorted(self.cluster_latest.items())]

    def _number(self, received) -> str:
        from portal.complaints.numbering import period_of
        period = period_of(received, self.tenant.timezone)
        self.counters[period] = self.counters.get(period, 0) + 1
        return f"{self.tenant.code}-{period}-{self.counters[period]:04d}"

    def _text(self, kind: str) -> dict:
        rng = self.rng
        fill = {"model": rng.choice(MODELS), "plate": self._plate(), "amount": rng.choice((180, 260, 380, 1280)),
                "days": rng.randint(3, 20), "hours": rng.choice((2, 3, 4))}
        if kind == "complaint":
            story = rng.choice(STORIES)
            category = story.categories[0] if rng.random() < 0.7 else rng.choice(story.categories)
            self._story = story
            self._category_name = category
            return {"description": story.description.format(**fill), "customer_request": story.request}
        category, description, request = rng.choice(INQUIRIES)
        self._story, self._category_name = None, category
        return {"description": description.format(**fill), "customer_request": request}

    def _plate(self) -> str:
        return "沪" + self.rng.choice(PLATE_LETTERS) + "".join(self.rng.choices(VIN_CHARS[-10:] + "ABCDEFGH", k=5))

    def _vehicle(self) -> dict:
        rng = self.rng
        return {"vehicle_model": rng.choice(MODELS), "plate": self._plate(),
                "vin": "LSV" + "".join(rng.choices(VIN_CHARS, k=14)), "mileage": rng.randint(500, 180_000)}

    def _lifecycle(self, kind: str, received, earlier) -> list:
        """[(status, when)] from ('received', received) to the current status, at plausible moments."""
        rng = self.rng
        age = (self.now - received).total_seconds() / 86400
        still_open = rng.random() < 0.9 * math.exp(-age / 10) + 0.01  # a few stragglers stay open for long
        if kind != "complaint":
            path = ["received"] if still_open else ["received", "answered"]
        elif still_open:
            path = OPEN_PATH[:1 + min(5, int(rng.random() * min(6, 1 + age / 2)))]
        elif earlier and rng.random() < 0.03:
            path = ["received", "merged"]
        elif rng.random() < 0.11:
            path = ["received", "investigating", "closed_invalid"]
        else:
            path = OPEN_PATH + ["closed"]
            if rng.random() < 0.08:  # the customer turned the first plan down
                path[4:4] = ["transferred", "plan_proposed"]
        end = self.now if still_open else min(self.now, received + datetime.timedelta(days=rng.uniform(0.3, 20)))
        span = end - received
        times = sorted(received + span * rng.random() for _ in path[1:])
        return list(zip(path, [received] + times))

    # --- what happened to it: events, plans, notes, links, attachments, deadlines --------------

    def _story_rows(self, rows, c: dict, path: list, earlier) -> None:
        from portal.complaints.models import ComplaintLink
        snapshot = {"assignee": None, "department": None, "grade": c["grade"], "kind": c["kind"],
                    "number": c["number"], "status": "received"}
        self._event(rows, c, "complaint.received", path[0][1], self.cs, after=snapshot, public=True)
        if earlier and c["kind"] == "complaint" and self.rng.random() < 0.2:
            c.update(is_repeat=True, repeat_of=earlier[0])
            rows.add(ComplaintLink, tenant=self.tenant.id, source=c["id"], target=earlier[0], kind="repeat",
                     created_at=path[0][1])
            self._event(rows, c, "complaint.linked", path[0][1], None,
                        data={"kind": "repeat", "other": earlier[1], "other_id": earlier[0]})
        plan = None
        for (before, _), (status, at) in zip(path, path[1:]):
            if status == "merged":
                self._merge(rows, c, snapshot, earlier, at)
                continue
            move, data, actor = self._move(c, before, status, at, plan)
            if status == "plan_proposed":
                plan = self._plan(rows, c, at)
            after = dict(snapshot, status=status, department=c["department"], assignee=c["assignee"])
            self._event(rows, c, "complaint.moved", at, actor, before=snapshot, after=after, public=True,
                        data={"move": move, **data})
            snapshot = after
            c["version"] += 1
        if len(path) == 1 or self.rng.random() < 0.12:
            self._note(rows, c, path[-1][1])
        if self.rng.random() < 0.05:
            self._attachment(rows, c, path[0][1])
        last = path[-1][1]
        c["updated_at"] = last
        c["closed_at"] = last if c["status"] in ("closed", "closed_invalid", "answered", "merged") else None
        self._deadlines(rows, c, path)
        self._revisit(rows, c, path)
        if c["kind"] == "complaint" and c["grade"] in ("hot", "major"):
            self._supervision(rows, c, path)

    def _event(self, rows, c, kind, at, actor, before=None, after=None, data=None, public=False):
        from portal.events import Event
        rows.add(Event, id=self.ids.take(Event), tenant=self.tenant.id, kind=kind, subject_type="complaint",
                 subject_id=c["id"], actor=actor.id if actor else None,
                 actor_label=actor.name if actor else "system", at=at, before=_dump(before),
                 after=_dump(after), data=_dump(data), public=public)

    def _move(self, c, before: str, status: str, at, plan) -> tuple[str, dict, object]:
        story = self._story
        if before == "plan_proposed":
            agreed = status == "implementing"
            plan.update(agreed=agreed, customer_opinion="同意" if agreed else "方案不能接受", answered_at=at)
            return "customer_response", {"agreed": agreed, "opinion": plan["customer_opinion"],
                                         "plan": plan["id"]}, self.cs
        if status == "transferred" and before == "investigating":
            dept = self.department.get(DEPARTMENT_OF.get(self._category_name, ""), None) \
                or self.department.get("售后服务部")
            c["department"], c["assignee"] = dept, self.rng.choice(self.handlers).id
            return "transfer", {"findings": story.findings, "department": dept, "assignee": c["assignee"],
                                "instructions": "请3个工作日内给出方案"}, self.cs
        if status == "plan_proposed":
            return "propose_plan", {"cause": story.cause, "solution": story.solution}, self.manager
        if status == "revisit_pending":
            return "implement", {"summary": story.summary}, self.manager
        if status == "closed":
            self._satisfaction = self.rng.choice(("satisfied", "very_satisfied"))
            return "revisit", {"satisfaction": self._satisfaction, "comment": ""}, self.cs
        if status == "closed_invalid":
            return "close_invalid", {"findings": "经调查，收费符合规定，已向客户解释", "customer_told": True,
                                     "opinion_told_via": "phone"}, self.cs
        if status == "answered":
            return "answer", {"answer": self.rng.choice(ANSWERS)}, self.cs
        return MOVE_INTO[status], {}, self.cs

    def _plan(self, rows, c, at) -> dict:
        from portal.complaints.models import Plan
        story = self._story
        return rows.add(Plan, id=self.ids.take(Plan), tenant=self.tenant.id, complaint=c["id"], cause=story.cause,
                        solution=story.solution, proposed_by=self.manager.id, proposed_at=at, agreed=None,
                        customer_opinion=None, answered_at=None, answered_by_customer=False)

    def _merge(self, rows, c, snapshot, earlier, at) -> None:
        from portal.complaints.models import ComplaintLink
        c.update(merged_into=earlier[0])
        rows.add(ComplaintLink, tenant=self.tenant.id, source=c["id"], target=earlier[0], kind="duplicate",
                 created_at=at)
        self._event(rows, c, "complaint.merged", at, self.cs, before=snapshot,
                    after=dict(snapshot, status="merged"), public=True,
                    data={"into_number": earlier[1], "into_id": earlier[0]})
        c["version"] += 1

    def _note(self, rows, c, at) -> None:
        from portal.complaints.models import Note
        body, note_id = self.rng.choice(NOTES), self.ids.take(Note)
        rows.add(Note, id=note_id, tenant=self.tenant.id, complaint=c["id"], author=self.cs.id, body=body,
                 public=False, from_customer=False, created_at=at)
        self._event(rows, c, "note.added", at, self.cs, data={"note": note_id, "body": body, "from_customer": False})

    def _attachment(self, rows, c, at) -> None:
        # a row only: the bench never downloads, so no file is written under UPLOAD_DIR
        from portal.complaints.models import Attachment
        digest = f"{self.rng.getrandbits(256):064x}"
        att = rows.add(Attachment, id=self.ids.take(Attachment), tenant=self.tenant.id, complaint=c["id"],
                       filename="结算单.jpg", content_type="image/jpeg", size=self.rng.randint(80_000, 3_000_000),
                       sha256=digest, stored_name=digest[:32], uploaded_by=self.cs.id, from_customer=False,
                       public=False, created_at=at)
        self._event(rows, c, "attachment.added", at, self.cs,
                    data={"attachment": att["id"], "filename": att["filename"], "sha256": digest})

    def _revisit(self, rows, c, path) -> None:
        """The revisit task of a complaint that was implemented: open while it waits, done once closed."""
        from portal.revisits.models import RevisitTask
        at = dict(path).get("revisit_pending")
        if at is None:
            return
        done = c["status"] == "closed"
        done_at = path[-1][1] if done else None
        rows.add(RevisitTask, tenant=self.tenant.id, complaint=c["id"], round=1, status="done" if done else "open",
                 due_at=self.working_days(at, self.cfg.get("revisit_days", 5)), next_attempt_at=at,
                 attempts=int(done), unreachable_count=0, assignee=self.cs.id,
                 satisfaction=self._satisfaction if done else None, comment="", outcome="closed" if done else None,
                 source="revisit_form" if done else None, done_at=done_at, done_by=self.cs.id if done else None,
                 created_at=at, version=1 + done)
        self._event(rows, c, "revisit.scheduled", at, None, data={"round": 1})
        if done:
            self._event(rows, c, "revisit.recorded", done_at, self.cs,
                        data={"round": 1, "satisfaction": self._satisfaction, "outcome": "closed"})

    def _supervision(self, rows, c, path) -> None:
        """A supervision order (督办单) for a hot or major complaint, with its plan and implementation milestones."""
        from portal.supervision.models import Milestone, SupervisionOrder
        received, reached = path[0][1], dict(path)
        closed = c["closed_at"] is not None
        self.orders += 1
        order = rows.add(SupervisionOrder, id=self.ids.take(SupervisionOrder), tenant=self.tenant.id, seq=self.orders,
                         complaint=c["id"], department=c["department"], leader=None, cc="",
                         reason="客户多次投诉，请按期完成整改", trigger=f"grade:{c['grade']}",
                         status="closed" if closed else "open", follow_up_days=1,
                         next_follow_up_at=None if closed else self.working_days(self.now, 1), issued_by=None,
                         issued_at=received, closed_at=c["closed_at"], closed_by=self.cs.id if closed else None,
                         version=1 + closed)
        for position, (key, days, done_in) in enumerate((("plan", 2, "plan_proposed"),
                                                         ("implementation", 5, "revisit_pending"))):
            done_at = reached.get(done_in)
            due = self.working_days(received, days)
            rows.add(Milestone, tenant=self.tenant.id, order=order["id"], position=position, key=key, title="",
                     due_at=due, owner=c["assignee"], status="done" if done_at else ("waived" if closed else "open"),
                     done_at=done_at, done_by=self.manager.id if done_at else None,
                     waived_reason="投诉已结案" if closed and not done_at else "",
                     warned_at=due if done_at is None and not closed and due < self.now else None)
        self._event(rows, c, "supervision.issued", received, None,
                    data={"order": order["id"], "number": f"DB-{self.tenant.code}-{self.orders:04d}",
                          "trigger": order["trigger"], "department": c["department"], "reason": order["reason"]})

    def _deadlines(self, rows, c, path) -> None:
        """The SLA clocks as the complaint hooks would have left them, and the columns the queue sorts on."""
        received = path[0][1]
        c["reply_due_at"] = self.working_days(received, self.cfg["reply_days"])
        if not self.sla:
            return
        cfg, day = self.cfg, 9 * 3600.0
        clocks = [{"kind": "handover", "started_at": received, "due_at": received + datetime.timedelta(hours=1),
                   "budget_seconds": 3600.0}, self._clock("reply", received, cfg["reply_days"], c["reply_due_at"])]
        if c["kind"] == "complaint":
            clocks.append(self._clock("completion", received, cfg["completion_days"]))
        for status, at in path[1:]:
            if status in ("closed", "closed_invalid", "answered", "merged"):
                met = {"handover", "reply", "completion", "plan", "revisit"}
            else:
                met = {"investigating": {"handover"}, "transferred": {"handover", "plan"},
                       "plan_proposed": {"plan", "reply"}}.get(status, set())
            for d in clocks:
                if d["kind"] in met and "met_at" not in d:
                    d["met_at"] = at
            if status == "transferred":
                clocks.append(self._clock("plan", at, cfg["plan_days"]))
            elif status == "revisit_pending":
                clocks.append(self._clock("revisit", at, cfg["revisit_days"]))
        self._write_clocks(rows, c, clocks, received, day)

    def _clock(self, kind, at, days, due=None) -> dict:
        return {"kind": kind, "started_at": at, "due_at": due or self.working_days(at, days),
                "budget_seconds": float(days) * 9 * 3600}

    def _write_clocks(self, rows, c, clocks, received, day) -> None:
        Deadline = self.sla[0]
        warn = datetime.timedelta(hours=float(self.cfg.get("warn_hours", 4)))
        running = []
        for d in clocks:
            met = d.get("met_at")
            if met is None:
                running.append(d["due_at"])
            rows.add(Deadline, tenant=self.tenant.id, complaint=c["id"], kind=d["kind"], started_at=d["started_at"],
                     budget_seconds=d["budget_seconds"], clock=False, due_at=d["due_at"], warn_at=d["due_at"] - warn,
                     met_at=met, on_time=(met <= d["due_at"]) if met else (False if d["due_at"] < self.now else None),
                     warned=met is None and d["due_at"] - warn <= self.now,
                     overdue_notified=met is None and d["due_at"] <= self.now)
        if self.has_clock_columns:
            c["next_due_at"] = min(running) if running and c["closed_at"] is None else None
            c["open_clock_from"] = received
