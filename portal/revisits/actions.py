"""Revisit verbs: schedule a revisit, record a call (reached or not), settle a revisit answered elsewhere.

Every door ends in the same place. Staff use the revisit form (`record_revisit`, with the checklist);
the customer's survey on the status link and the step form on the complaint page call
`complaints.actions.move(..., Move.REVISIT, ...)` directly, and the AFTER_MOVE hook (`settle`) marks
the open revisit done and tells the department in the same transaction.

Crisis complaints need two revisits (DOMAIN.md §5): a satisfied first revisit is recorded without
moving the complaint and a second one is scheduled (a fresh REVISIT clock, 2 days by default); only
the second closes it. A satisfied answer through another door while the first crisis revisit is still
open is refused (MoveError "crisis_second_revisit") and nothing is written.
"""
from .. import events
from ..accounts.models import User
from ..complaints import actions as complaint_actions
from ..complaints import notices
from ..complaints.models import Complaint
from ..complaints.rules import Move, MoveError, Status
from ..db import atomic, now
from ..events import EventKind
from ..sla import clocks, settings
from ..sla.calendar import add_working_hours
from ..sla.models import Deadline, DeadlineKind
from ..tenancy.models import Department
from . import rules
from .checklist import as_rule_items, items_of, template_for
from .models import RevisitAnswer, RevisitTask
from .rules import OPEN_STATUSES, Outcome, Source, TaskStatus

settings.register_defaults("revisits", {"max_unreachable": 3, "retry_working_hours": 4})


class RevisitError(ValueError):
    """A refused revisit record; `problems` maps a field (or "__all__") to problem codes. Nothing was written."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


class StaleRevisit(Exception):
    """Someone else recorded a call on this revisit since the form was shown."""

    def __init__(self, current: RevisitTask):
        super().__init__("stale")
        self.current = current


def _revisit_due(complaint):
    """The running REVISIT deadline's due moment (None while the complaint's clocks are paused)."""
    return (Deadline.select(Deadline.due_at)
            .where((Deadline.complaint == complaint.id) & (Deadline.kind == DeadlineKind.REVISIT)
                   & Deadline.met_at.is_null())
            .order_by(Deadline.id.desc()).limit(1).scalar())


def schedule(complaint, round_: int, actor) -> RevisitTask:
    """A revisit to make, due when the complaint's REVISIT clock runs out."""
    due = _revisit_due(complaint)
    task = RevisitTask.create(tenant=complaint.tenant_id, complaint=complaint.id, round=round_, due_at=due,
                              next_attempt_at=now())
    events.record(EventKind.REVISIT_SCHEDULED, "revisit", task.id, actor, tenant=complaint.tenant_id,
                  data={"complaint": complaint.id, "number": complaint.number, "round": round_, "due_at": due})
    return task


def latest_task(complaint) -> RevisitTask | None:
    return (RevisitTask.select().where(RevisitTask.complaint == complaint.id)
            .order_by(RevisitTask.id.desc()).first())


def _claim(task: RevisitTask, expected_version: int | None, **changes) -> None:
    """Write the task only if nobody recorded a call on it since `expected_version`."""
    version = task.version if expected_version is None else expected_version
    changes["version"] = version + 1
    updated = (RevisitTask.update(**changes)
               .where((RevisitTask.id == task.id) & (RevisitTask.version == version)).execute())
    if updated != 1:
        raise StaleRevisit(RevisitTask.get_by_id(task.id))
    for name, value in changes.items():
        setattr(task, name, value)


def record_revisit(task: RevisitTask, actor, satisfaction, answers: dict, comment: str, attempts: int,
                   reached: bool, *, permissions=None, expected_version: int | None = None) -> RevisitTask:
    """Record one revisit call: the answers, satisfaction and the customer's words, or that nobody answered.

    Raises RevisitError (nothing written) when a required item or the satisfaction is missing.
    """
    complaint = Complaint.get_by_id(task.complaint_id)
    items = items_of(template_for(complaint.tenant))
    values, problems = rules.check_record(reached, satisfaction, attempts, comment, as_rule_items(items), answers)
    if task.status not in OPEN_STATUSES:
        problems["__all__"] = ["already_recorded"]
    elif reached is True and complaint.status != Status.REVISIT_PENDING:
        problems["__all__"] = ["wrong_step"]
    if problems:
        raise RevisitError(problems)
    if permissions is None:
        permissions = complaint_actions.permissions_of(actor, complaint.tenant)
    comment = (comment or "").strip()
    with atomic():
        if not reached:
            return _unreachable(task, complaint, actor, attempts, comment, expected_version)
        result = rules.outcome(satisfaction, complaint.crisis, task.round)
        _claim(task, expected_version, status=TaskStatus.DONE, satisfaction=satisfaction, comment=comment,
               outcome=result, source=Source.REVISIT_FORM, done_at=now(), done_by=actor.id,
               attempts=task.attempts + attempts, assignee=task.assignee_id or actor.id)
        answers_rows = _store_answers(task, items, values)
        _recorded(task, complaint, actor)
        if result == Outcome.SECOND_REVISIT:
            _ask_again(complaint, task, actor, answers_rows)
            return task
        try:
            complaint_actions.move(complaint, Move.REVISIT, actor, permissions,
                                   {"satisfaction": satisfaction, "comment": comment, "revisit_task": task.id})
        except MoveError as err:
            raise RevisitError(err.problems) from None  # rolls back the whole record
        except complaint_actions.StaleError as err:
            raise StaleRevisit(RevisitTask.get_by_id(task.id)) from err
    return task


def _ask_again(complaint, task, actor, answers) -> RevisitTask:
    """A crisis satisfied at its first revisit: the complaint stays open and a second revisit is due."""
    clocks.meet(complaint, [DeadlineKind.REVISIT])  # the first crisis revisit is made
    clocks.start(complaint, DeadlineKind.REVISIT)  # … and the second is due in the crisis time
    second = schedule(complaint, task.round + 1, actor)
    notify_outcome(complaint, task, actor, answers, second=second)
    return second


def customer_survey(complaint, satisfaction: str, comment: str) -> None:
    """The customer's own survey on the status link, under the same rules as a revisit call.

    Usually this is `complaints.actions.move(..., Move.REVISIT, None, ...)` (the hook settles the revisit).
    On a crisis complaint whose first revisit is still open, a satisfied answer counts as that first
    revisit instead: recorded without moving the complaint, and the second revisit is scheduled.
    """
    task = latest_task(complaint)
    crisis_first = (task is not None and task.status in OPEN_STATUSES and complaint.crisis
                    and rules.outcome(satisfaction, True, task.round) == Outcome.SECOND_REVISIT)
    if not crisis_first:
        complaint_actions.move(complaint, Move.REVISIT, None, complaint_actions.CUSTOMER_PERMISSIONS,
                               {"satisfaction": satisfaction, "comment": comment})
        return
    if complaint.status != Status.REVISIT_PENDING:
        raise MoveError({"__all__": ["wrong_step"]})
    with atomic():
        _claim(task, None, status=TaskStatus.DONE, satisfaction=satisfaction, comment=(comment or "").strip(),
               outcome=Outcome.SECOND_REVISIT, source=Source.CUSTOMER_LINK, done_at=now(), done_by=None)
        _recorded(task, complaint, None)
        _ask_again(complaint, task, None, [])


def _store_answers(task, items, values: dict) -> list[RevisitAnswer]:
    """A copy of every question as asked now, with the customer's answer."""
    rows = []
    for position, item in enumerate(items, start=1):
        rows.append(RevisitAnswer.create(
            tenant=task.tenant_id, task=task.id, item=item.id, section=item.section, position=position,
            text=item.text, answer_type=item.answer_type, required=item.required,
            value=values.get(f"item_{item.id}")))
    return rows


def _recorded(task, complaint, actor) -> None:
    events.record(EventKind.REVISIT_RECORDED, "revisit", task.id, actor, tenant=complaint.tenant_id,
                  data={"complaint": complaint.id, "number": complaint.number, "round": task.round,
                        "satisfaction": task.satisfaction, "comment": task.comment, "outcome": task.outcome,
                        "source": task.source, "attempts": task.attempts},
                  actor_label=actor.name if actor is not None else "customer")


def _unreachable(task, complaint, actor, attempts, note, expected_version) -> RevisitTask:
    """Nobody answered: count it, schedule the next call, or give up and tell the department's leader."""
    cfg = settings.load(complaint.tenant, "revisits")
    count = task.unreachable_count + 1
    gave_up = rules.gives_up(count, cfg["max_unreachable"])
    next_at = add_working_hours(settings.calendar_for(complaint.tenant), now(), cfg["retry_working_hours"])
    newly_given_up = gave_up and task.status == TaskStatus.OPEN
    _claim(task, expected_version, attempts=task.attempts + attempts, unreachable_count=count,
           next_attempt_at=next_at, status=TaskStatus.UNREACHABLE if gave_up else TaskStatus.OPEN,
           assignee=task.assignee_id or actor.id)
    events.record(EventKind.REVISIT_UNREACHABLE, "revisit", task.id, actor, tenant=complaint.tenant_id,
                  data={"complaint": complaint.id, "number": complaint.number, "attempts": attempts,
                        "unreachable_count": count, "next_attempt_at": next_at, "gave_up": gave_up, "note": note})
    if newly_given_up:
        for user in _department_people(complaint, actor):
            notices.send(user.email, "revisit_unreachable", complaint.tenant_id, user.locale, complaint=complaint,
                         task=task, user=user, note=note)
    return task


def settle(complaint, actor, data: dict, before_status: str) -> None:
    """After a REVISIT move through any door: the open revisit is done, and the department hears the result."""
    task_id = data.get("revisit_task")
    task = RevisitTask.get_by_id(task_id) if task_id else latest_task(complaint)
    if task is not None and not task_id:
        if task.status not in OPEN_STATUSES:
            task = None  # an old cycle's revisit: nothing open to settle
        else:
            _settle_open(task, complaint, actor, data, before_status)
    answers = list(task.answers.order_by(RevisitAnswer.position)) if task is not None else []
    notify_outcome(complaint, task, actor, answers, satisfaction=data["satisfaction"],
                   comment=data.get("comment") or "")


def _settle_open(task, complaint, actor, data, before_status) -> None:
    satisfaction = data["satisfaction"]
    if not rules.may_close(complaint.crisis, task.round, satisfaction):
        # Refuse the whole move (the transaction rolls back); put the caller's object back as it was.
        complaint.status, complaint.closed_at, complaint.version = before_status, None, complaint.version - 1
        raise MoveError({"__all__": ["crisis_second_revisit"]})
    _claim(task, None, status=TaskStatus.DONE, satisfaction=satisfaction, comment=data.get("comment") or "",
           outcome=Outcome.CLOSED if complaint.status == Status.CLOSED else Outcome.REOPENED,
           source=Source.CUSTOMER_LINK if actor is None else Source.COMPLAINT_PAGE, done_at=now(),
           done_by=getattr(actor, "id", None))
    _recorded(task, complaint, actor)


def cancel_open(complaint, actor) -> None:
    """The complaint closed without a revisit (merged into another): its open revisits are dropped."""
    for task in RevisitTask.select().where((RevisitTask.complaint == complaint.id)
                                           & RevisitTask.status.in_(list(OPEN_STATUSES))):
        _claim(task, None, status=TaskStatus.CANCELLED)
        events.record(EventKind.REVISIT_CANCELLED, "revisit", task.id, actor, tenant=complaint.tenant_id,
                      data={"complaint": complaint.id, "number": complaint.number, "status": complaint.status})


def _department_people(complaint, actor) -> list:
    """The responsible department's leader and the complaint's handler (not the actor themself)."""
    ids = []
    if complaint.department_id:
        leader = Department.select(Department.leader).where(Department.id == complaint.department_id).scalar()
        ids.append(leader)
    ids.append(complaint.assignee_id)
    wanted = [i for i in dict.fromkeys(ids) if i and (actor is None or i != actor.id)]
    if not wanted:
        return []
    users = {u.id: u for u in User.select().where(User.id.in_(wanted) & User.active)}
    return [users[i] for i in wanted if i in users]


def notify_outcome(complaint, task, actor, answers, second=None, satisfaction=None, comment=None) -> None:
    """The survey goes back to the responsible department (DOMAIN.md §3 step 7), the customer's words included."""
    satisfaction = satisfaction or task.satisfaction
    comment = comment if comment is not None else task.comment
    outcome = task.outcome if task is not None and task.outcome else (
        Outcome.CLOSED if complaint.status == Status.CLOSED else Outcome.REOPENED)
    from ..complaints.forms import SATISFACTION_LABELS
    for user in _department_people(complaint, actor):
        notices.send(user.email, "revisit_outcome", complaint.tenant_id, user.locale, complaint=complaint,
                     task=task, user=user, outcome=outcome, satisfaction=SATISFACTION_LABELS.get(satisfaction),
                     comment=comment, answers=answers, second=second,
                     by_customer=actor is None)
