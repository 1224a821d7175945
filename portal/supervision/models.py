"""Supervision orders, their milestones and the progress reported against them."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Department, Tenant
from .rules import MilestoneStatus, OrderStatus, display_number


class SupervisionOrder(TenantModel):
    """A 工作督办单: customer service asks a department to meet agreed milestones on a complaint."""

    tenant = tenant_fk(Tenant)
    seq = IntegerField()  # per tenant: DB-<code>-0001
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    department = ForeignKeyField(Department, null=True, on_delete="SET NULL", backref="+")  # None until transferred
    leader = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")  # the department's leader
    cc = CharField(max_length=200, default="")  # user ids copied on progress and warnings, space-separated
    reason = TextField()
    trigger = CharField(max_length=24, default="manual")  # manual | grade:<grade> | crisis
    status = CharField(max_length=12, default=OrderStatus.OPEN)
    follow_up_days = IntegerField(default=1)  # working days between customer service's follow-ups
    next_follow_up_at = DateTimeField(null=True)
    issued_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    issued_at = DateTimeField(default=now)
    closed_at = DateTimeField(null=True)
    closed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "seq"), True), (("tenant", "status", "department"), False),
                   (("tenant", "complaint"), False), (("status", "next_follow_up_at"), False))

    def number(self, code: str) -> str:
        return display_number(code, self.seq)

    @property
    def cc_ids(self) -> list[int]:
        return [int(x) for x in self.cc.split() if x.isdigit()]


class Milestone(TenantModel):
    """One agreed node (节点): what, by when, who; done, waived with a reason, or missed and warned once."""

    tenant = tenant_fk(Tenant)
    order = ForeignKeyField(SupervisionOrder, backref="milestones", on_delete="CASCADE")
    position = IntegerField(default=0)
    key = CharField(max_length=24, default="")  # a built-in milestone (plan, implementation, crisis_plan…)
    title = CharField(max_length=200, default="")  # a milestone named by customer service
    due_at = DateTimeField()
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    status = CharField(max_length=12, default=MilestoneStatus.OPEN)
    done_at = DateTimeField(null=True)
    done_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    waived_reason = TextField(default="")
    warned_at = DateTimeField(null=True)  # set once, when the missed-milestone warning went out

    class Meta:
        indexes = ((("status", "warned_at", "due_at"), False), (("tenant", "order", "position"), False))


class ProgressReport(TenantModel):
    """The department's progress on an order (copied to its leader), or customer service's follow-up."""

    tenant = tenant_fk(Tenant)
    order = ForeignKeyField(SupervisionOrder, backref="reports", on_delete="CASCADE")
    milestone = ForeignKeyField(Milestone, null=True, on_delete="SET NULL", backref="+")
    kind = CharField(max_length=12, default="progress")  # progress | follow_up
    body = TextField()
    # The files live with the complaint's evidence (complaints.Attachment); these say which belong here.
    attachment_ids = CharField(max_length=200, default="")
    author = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("tenant", "order", "id"), False),)

    @property
    def attachments(self) -> list[int]:
        return [int(x) for x in self.attachment_ids.split() if x.isdigit()]


class EarlyWarning(TenantModel):
    """The early-warning chain told the next people up about a flag on a complaint (预警)."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, backref="+", on_delete="CASCADE")
    flag = CharField(max_length=24)
    note = TextField(default="")
    automatic = BooleanField(default=False)
    told = CharField(max_length=300, default="")  # user ids, space-separated
    raised_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    raised_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("tenant", "complaint", "flag"), False),)
