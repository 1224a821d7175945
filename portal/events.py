"""The immutable event log: every state change writes one row in the same transaction."""
import enum
import json

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .accounts.models import User
from .db import now
from .scope import TenantModel, tenant_fk
from .tenancy.models import Tenant


class EventKind(enum.StrEnum):
    """What happened; the timeline, audit log and KPIs read these."""

    # accounts and settings
    USER_CREATED = "user.created"  # a user was added to the tenant
    USER_DEACTIVATED = "user.deactivated"  # a user can no longer sign in
    USER_REACTIVATED = "user.reactivated"  # a deactivated user may sign in again
    PASSWORD_RESET = "user.password_reset"  # an admin set a new password
    ROLE_CREATED = "role.created"  # a role was added
    ROLE_CHANGED = "role.changed"  # a role's name or permissions changed
    MEMBER_ROLE_CHANGED = "member.role_changed"  # a user got another role
    DEPARTMENT_SAVED = "department.saved"  # a department was added or edited
    CATEGORY_SAVED = "category.saved"  # a category was added or edited
    SETTINGS_CHANGED = "settings.changed"  # a tenant setting changed
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


class Event(TenantModel):
    """One immutable change: who, when, what, before -> after."""

    tenant = tenant_fk(Tenant)
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

    class Meta:
        indexes = ((("tenant", "subject_type", "subject_id", "id"), False),
                   (("tenant", "at"), False))

    @classmethod
    def update(cls, *args, **kwargs):
        raise PermissionError("events are immutable")

    @classmethod
    def delete(cls):
        raise PermissionError("events are immutable")

    def save(self, *args, **kwargs):
        if self._pk is not None:
            raise PermissionError("events are immutable")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise PermissionError("events are immutable")

    def loaded(self, name: str):
        raw = getattr(self, name)
        return json.loads(raw) if raw else None


def record(kind: EventKind, subject_type: str, subject_id, actor=None, *, tenant=None,
           before=None, after=None, data=None, public=False, actor_label=None) -> Event:
    """Append one event; call inside the transaction that makes the change."""
    if actor_label is None:
        actor_label = actor.name if actor is not None else "system"
    return Event.create(
        tenant=tenant, kind=str(kind), subject_type=subject_type, subject_id=subject_id,
        actor=actor, actor_label=actor_label, before=_dump(before), after=_dump(after),
        data=_dump(data), public=public,
    )


def _dump(value):
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
