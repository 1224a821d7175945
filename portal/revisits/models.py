"""Revisit tasks (回访), the answers they recorded, and each tenant's checklist template."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Tenant
from .rules import AnswerType, Section, TaskStatus


class ChecklistTemplate(TenantModel):
    """A tenant's revisit checklist: the phone script and the service checklist (one per tenant)."""

    tenant = tenant_fk(Tenant, unique=True)
    version = IntegerField(default=1)  # bumped by every edit: optimistic locking for the whole list
    updated_at = DateTimeField(default=now)


class ChecklistItem(TenantModel):
    """One question of the template, in its section and position."""

    tenant = tenant_fk(Tenant)
    template = ForeignKeyField(ChecklistTemplate, backref="items", on_delete="CASCADE")
    section = CharField(max_length=12, default=Section.CHECKLIST)
    position = IntegerField()
    text = CharField(max_length=300)
    required = BooleanField(default=True)
    answer_type = CharField(max_length=12, default=AnswerType.YES_NO)

    class Meta:
        indexes = ((("template", "section", "position"), False),)


class RevisitTask(TenantModel):
    """One revisit to make: created when a complaint is implemented (a crisis gets a second one)."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    round = IntegerField(default=1)  # 2: the crisis second revisit (DOMAIN.md §5)
    status = CharField(max_length=12, default=TaskStatus.OPEN)
    due_at = DateTimeField(null=True)  # the REVISIT deadline's due moment (None while it was paused)
    next_attempt_at = DateTimeField(default=now)  # when to call (again)
    attempts = IntegerField(default=0)  # dials so far
    unreachable_count = IntegerField(default=0)  # calls that did not reach the customer
    assignee = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")  # who is calling
    satisfaction = CharField(max_length=20, null=True)
    comment = TextField(default="")  # the customer's words
    outcome = CharField(max_length=16, null=True)  # closed | reopened | second_revisit
    source = CharField(max_length=16, null=True)  # revisit_form | complaint_page | customer_link
    done_at = DateTimeField(null=True)
    done_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=now)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("tenant", "status", "due_at", "id"), False),
            (("tenant", "status", "done_at", "id"), False),
            (("tenant", "assignee", "status", "due_at"), False),
            (("tenant", "complaint", "id"), False),
        )

    @property
    def is_open(self) -> bool:
        return self.status in (TaskStatus.OPEN, TaskStatus.UNREACHABLE)


class RevisitAnswer(TenantModel):
    """What was asked and what the customer said: the question is copied, so template edits never alter it."""

    tenant = tenant_fk(Tenant)
    task = ForeignKeyField(RevisitTask, backref="answers", on_delete="CASCADE", index=True)
    item = ForeignKeyField(ChecklistItem, null=True, on_delete="SET NULL", backref="+")  # where it came from
    section = CharField(max_length=12)
    position = IntegerField()
    text = CharField(max_length=300)
    answer_type = CharField(max_length=12)
    required = BooleanField()
    value = TextField(null=True)  # "yes"/"no", "1".."5" or text; None: not answered (optional item)
