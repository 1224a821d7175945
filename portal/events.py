"""The immutable event log: every state change writes one row in the same transaction.

Events are never updated or deleted by the application, with one exception: `redact`, which scrubs
an erased customer's personal data out of events' JSON and client details, and records that it did.
"""
import enum
import json

from flask import has_request_context, request

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .accounts.models import User
from .db import now
from .scope import ScopeError, TenantModel, current, tenant_fk
from .tenancy.models import Network, Tenant


class EventKind(enum.StrEnum):
    """What happened; the timeline, audit log and KPIs read these."""

    # accounts and settings
    USER_CREATED = "user.created"  # a user was added to the tenant, to a network's HQ, or created with no workspace
    USER_DEACTIVATED = "user.deactivated"  # a user can no longer sign in
    USER_REACTIVATED = "user.reactivated"  # a deactivated user may sign in again
    PASSWORD_RESET = "user.password_reset"  # an admin set a new password  # noqa: S105 - an event name, no password
    USER_LOCKED = "user.locked"  # too many failed sign-ins locked the account (portal.accounts)
    USER_UNLOCKED = "user.unlocked"  # an admin unlocked a locked account
    ROLE_CREATED = "role.created"  # a role was added
    ROLE_CHANGED = "role.changed"  # a role's name or permissions changed
    MEMBER_ROLE_CHANGED = "member.role_changed"  # a user got another role
    DEPARTMENT_SAVED = "department.saved"  # a department was added or edited
    CATEGORY_SAVED = "category.saved"  # a category was added or edited
    SETTINGS_CHANGED = "settings.changed"  # a tenant setting (or a network default, in HQ's log) changed
    # complaints
    COMPLAINT_RECEIVED = "complaint.received"  # logged in the register (step 1)
    COMPLAINT_MOVED = "complaint.moved"  # moved from one step to another
    COMPLAINT_ASSIGNED = "complaint.assigned"  # handler or department changed
    COMPLAINT_EDITED = "complaint.edited"  # register fields corrected
    NOTE_ADDED = "note.added"  # a staff note, internal unless published
    ATTACHMENT_ADDED = "attachment.added"  # evidence was attached
    COMPLAINT_LINKED = "complaint.linked"  # related or repeat complaints were linked
    COMPLAINT_MERGED = "complaint.merged"  # a duplicate was merged into its original
    COMPLAINT_CONVERTED = "complaint.converted"  # an inquiry/repair request became a complaint
    # deadlines and escalation
    CLOCK_PAUSED = "clock.paused"  # deadlines stopped: waiting for the customer, a part or an outside party
    CLOCK_RESUMED = "clock.resumed"  # deadlines running again
    DEADLINE_DUE_SOON = "deadline.due_soon"  # the handler was warned that a deadline is near
    DEADLINE_OVERDUE = "deadline.overdue"  # a deadline passed unmet
    GRADE_RAISED = "grade.raised"  # the grade went up, by a rule or by staff
    GRADE_LOWERED = "grade.lowered"  # a downgrade, with a reason and the approver
    FLAGS_CHANGED = "flags.changed"  # risk flags, crisis or mandatory-report flags changed
    # customer status link (portal.status)
    COMPLAINT_URGED = "complaint.urged"  # the customer urged (催办) through the status link
    LINK_REISSUED = "status.link_reissued"  # staff revoked the customer's link and issued a new one
    LINK_SENT = "status.link_sent"  # the link was e-mailed to the customer (by staff, or asked for again)
    CUSTOMER_LANGUAGE = "customer.language"  # the customer chose the language of their page and mails
    # personal data (portal.customers, PIPL)
    CUSTOMER_VIEWED = "customer.viewed"  # staff opened a customer's full, unmasked record
    CUSTOMER_EXPORTED = "customer.exported"  # a tenant admin exported everything about one customer
    CUSTOMER_ERASED = "customer.erased"  # the customer's personal data was erased after the retention period
    EVENTS_REDACTED = "events.redacted"  # personal data was scrubbed from earlier events (the only change to events)
    # revisits (portal.revisits)
    REVISIT_SCHEDULED = "revisit.scheduled"  # a revisit is due: the complaint was implemented (or a crisis 2nd one)
    REVISIT_RECORDED = "revisit.recorded"  # the customer answered the revisit: satisfaction, checklist, words
    REVISIT_UNREACHABLE = "revisit.unreachable"  # a call did not reach the customer: retry, or given up
    REVISIT_CANCELLED = "revisit.cancelled"  # the complaint closed without a revisit (merged)
    CHECKLIST_CHANGED = "checklist.changed"  # the tenant's revisit checklist template was edited
    # headquarters (portal.hq)
    WORK_ORDER_DISPATCHED = "work_order.dispatched"  # HQ dispatched a work order to the tenant (工单下发)
    WORK_ORDER_ACCEPTED = "work_order.accepted"  # the tenant gave HQ its first response
    WORK_ORDER_RETURNED = "work_order.returned"  # the tenant sent a misrouted work order back, with a reason
    WORK_ORDER_REDIRECTED = "work_order.redirected"  # HQ took the work order away to another tenant, with a reason
    WORK_ORDER_COMPLETED = "work_order.completed"  # the complaint behind the work order was closed (or reopened)
    HQ_TOOK_OVER = "hq.took_over"  # HQ took over handling of a major complaint
    REPORT_REVIEWED = "hq.report_reviewed"  # HQ acknowledged a mandatory written report
    TENANT_CREATED = "tenant.created"  # HQ created the tenant
    TENANT_SUSPENDED = "tenant.suspended"  # HQ suspended the tenant: its users can no longer use it
    TENANT_REACTIVATED = "tenant.reactivated"  # HQ reactivated a suspended tenant
    # approvals, supervision orders, crisis handling, support requests (portal.approvals, .supervision,
    # .crisis, .support)
    APPROVAL_REQUESTED = "approval.requested"  # a decision was asked of the routed approver
    APPROVAL_DECIDED = "approval.decided"  # approved, rejected (with a reason) or withdrawn
    DELEGATION_SET = "approval.delegation"  # someone away named who decides for them, or came back
    ORDER_ISSUED = "supervision.issued"  # a supervision order (督办单) went to a department, by hand or by rule
    ORDER_PROGRESS = "supervision.progress"  # the department reported progress, or customer service followed up
    MILESTONE_DONE = "supervision.milestone_done"  # a milestone (节点) was met
    MILESTONE_WAIVED = "supervision.milestone_waived"  # a milestone was waived, with a reason
    ORDER_WARNING = "supervision.warning"  # a milestone was missed: warning (预警) to department and leader
    ORDER_CLOSED = "supervision.closed"  # every milestone done or waived: the order is closed
    ORDER_DEPARTMENT = "supervision.department"  # an open order followed its complaint to a department and leader
    ORDER_COPIED = "supervision.copied"  # more people were copied on an open order (e.g. a crisis team's leader)
    MILESTONE_ADDED = "supervision.milestone_added"  # a milestone was added to an open order (a crisis deadline)
    MILESTONE_MOVED = "supervision.milestone_moved"  # a milestone's due moment moved: its clock started again
    FOLLOW_UP_REMINDED = "supervision.follow_up_reminded"  # customer service was reminded to follow up; next date
    EARLY_WARNING = "early_warning.raised"  # the early-warning chain told the next person up (预警链)
    CRISIS_DECLARED = "crisis.declared"  # a crisis file was opened, by staff or by the escalation rules
    CRISIS_TEAM = "crisis.team"  # the crisis team or the leader's named spokesperson changed
    CRISIS_PLAN = "crisis.plan"  # a crisis plan (or an adjusted one) was submitted for approval
    CRISIS_STATEMENT = "crisis.statement"  # the customer/media was contacted, or an external statement made
    CRISIS_UNSATISFIED = "crisis.unsatisfied"  # the customer is not satisfied with progress: adjust in 1 hour
    CRISIS_LEGAL = "crisis.legal"  # suspected malicious defamation went to legal
    CRISIS_CASE = "crisis.case"  # the crisis case was written up
    HQ_REPORT_SUBMITTED = "hq_report.submitted"  # the mandatory written report (重大抱怨书面报告) went to HQ
    SUPPORT_REQUESTED = "support.requested"  # parts centre or technical support was asked for help
    SUPPORT_ANSWERED = "support.answered"  # the part arrived or guidance came back
    # reports and the case library (portal.reports, portal.cases)
    REPORT_SAVED = "report.saved"  # a report's analysis text was saved as a draft
    REPORT_SUBMITTED = "report.submitted"  # a report went up to HQ: its figures are frozen as they were
    CASE_SAVED = "case.saved"  # a case was written up in the case library, or edited
    CASE_SHARED = "case.shared"  # a case was shared with the network, or withdrawn
    CASE_FEATURED = "case.featured"  # HQ featured a case for the whole network, or stopped featuring it

# Areas that keep figures derived from the changes subscribe here (the reports' stored months):
# fn(event), called after an event is written, inside the transaction of the change it records.
RECORDED: list = []


class Event(TenantModel):
    """One immutable change: who, when, what, before -> after.

    An event belongs to one tenant; or, with no tenant, to one network's headquarters (`network`: HQ's own
    changes, such as its members or the network's defaults); or, with neither, to the whole system (an
    account that has no workspace). Tenants never see the last two; a network's HQ sees its own and its
    tenants'; only the SYSTEM scope sees the system's.
    """

    tenant = tenant_fk(Tenant, null=True)
    network = ForeignKeyField(Network, null=True, on_delete="CASCADE", backref="+", index=False)  # only if no tenant
    kind = CharField(max_length=40)
    subject_type = CharField(max_length=24)  # "complaint", "user", "role", "settings", ...
    subject_id = IntegerField(null=True)
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    actor_label = CharField(max_length=80, default="")  # "customer", "system", or the user's name
    at = DateTimeField(default=now)
    before = TextField(null=True)  # JSON
    after = TextField(null=True)  # JSON
    data = TextField(null=True)  # JSON
    public = BooleanField(default=False)  # visible to the customer on the status page
    ip = CharField(max_length=45, null=True)  # the client address of the request that made the change
    user_agent = CharField(max_length=200, null=True)  # and its browser

    class Meta:
        indexes = ((("tenant", "subject_type", "subject_id", "id"), False),
                   (("tenant", "at"), False),
                   (("tenant", "kind", "at"), False),  # the audit log filtered by kind
                   (("network", "at"), False))  # HQ's own events

    @classmethod
    def _scope_filter(cls):
        condition, scope = super()._scope_filter(), current()
        if condition is None or scope.tenant_id is not None:
            return condition  # SYSTEM sees everything; a tenant only its own events, never HQ's or the system's
        return condition | (cls.tenant.is_null() & (cls.network == scope.network_id))

    @classmethod
    def _check_insert(cls, data: dict) -> None:
        tenant = data.get("tenant", data.get(cls.tenant))
        network = data.get("network", data.get(cls.network))
        if tenant is not None and network is not None:
            raise ScopeError("an event belongs to a tenant or to a network, not both")
        scope = current()
        if network is None and (tenant is not None or not scope.system):
            return super()._check_insert(data)  # a tenant's event (the tenant scope fills in its tenant)
        network_id = getattr(network, "id", network)
        if not scope.system and (scope.tenant_id is not None or scope.network_id != network_id):
            raise ScopeError(f"event of network {network_id} written inside {scope.describe()}")

    @classmethod
    def update(cls, *args, **kwargs):
        raise PermissionError("events are immutable")

    @classmethod
    def delete(cls):
        raise PermissionError("events are immutable")

    def save(self, *args, **kwargs):
        if self._pk is not None:
            raise PermissionError("events are immutable")
        saved = super().save(*args, **kwargs)
        for fn in RECORDED:
            fn(self)
        return saved

    def delete_instance(self, *args, **kwargs):
        raise PermissionError("events are immutable")

    def loaded(self, name: str):
        raw = getattr(self, name)
        return json.loads(raw) if raw else None


def record(kind: EventKind, subject_type: str, subject_id, actor=None, *, tenant=None, network=None,
           before=None, after=None, data=None, public=False, actor_label=None) -> Event:
    """Append one event; call inside the transaction that makes the change.

    `tenant` (filled in from a tenant scope), or `network` for headquarters' own changes (in that network's
    scope or SYSTEM), or neither for the whole system's (SYSTEM scope only).
    """
    if actor_label is None:
        actor_label = actor.name if actor is not None else "system"
    ip, agent = _client()
    return Event.create(
        tenant=tenant, network=network, kind=str(kind), subject_type=subject_type, subject_id=subject_id,
        actor=actor, actor_label=actor_label, before=_dump(before), after=_dump(after),
        data=_dump(data), public=public, ip=ip, user_agent=agent,
    )


def _client() -> tuple[str | None, str | None]:
    """Where the change came from: the request's client (behind KESU_PROXY_COUNT proxies), if any."""
    if not has_request_context():
        return None, None  # the worker, a sweep, the command line
    return (request.remote_addr or "")[:45] or None, (request.user_agent.string or "")[:200] or None


REDACTABLE = ("before", "after", "data", "ip", "user_agent")


def redact(where, scrub, *, actor, tenant, reason: str, subject_type: str, subject_id,
           forget_client=lambda event: False) -> int:
    """Scrub personal data out of the events matching `where`: the one change the log allows.

    `scrub(value)` returns a JSON value without the personal data; `forget_client(event)` says whether
    the event's IP address and browser are the data subject's own (e.g. the customer's). Only the
    columns in REDACTABLE change; who, when, what kind and about what stay. Records an EVENTS_REDACTED
    event (which events, why, never what was removed). Call inside the transaction of the erasure.
    """
    changed = []
    for event in Event.select().where(where).order_by(Event.id):
        values = {name: _dump(scrub(event.loaded(name))) for name in ("before", "after", "data")
                  if getattr(event, name) is not None}
        if forget_client(event) and (event.ip or event.user_agent):
            values.update(ip=None, user_agent=None)
        values = {k: v for k, v in values.items() if v != getattr(event, k)}
        if values:  # only REDACTABLE columns are ever in `values`
            TenantModel.update.__func__(Event, values).where(Event.id == event.id).execute()
            changed.append(event.id)
    record(EventKind.EVENTS_REDACTED, subject_type, subject_id, actor, tenant=tenant,
           data={"reason": reason, "events": changed})
    return len(changed)


def _dump(value):
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
