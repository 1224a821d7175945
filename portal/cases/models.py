"""The case library (客服案例库): typical complaints written up for training and improvement."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..complaints.models import Complaint
from ..db import now
from ..scope import TenantModel, tenant_fk
from ..tenancy.models import Category, Tenant


class Case(TenantModel):
    """One written-up case: five sections, its classification, and whether the network may read it."""

    tenant = tenant_fk(Tenant)
    complaint = ForeignKeyField(Complaint, null=True, on_delete="SET NULL", backref="+")
    title = CharField(max_length=200)
    scenario = TextField(default="")  # 情景回放
    cause = TextField(default="")  # 原因分析
    practice = TextField(default="")  # 正确做法
    handling = TextField(default="")  # 投诉处理
    improvements = TextField(default="")  # 改进措施
    category = ForeignKeyField(Category, null=True, on_delete="SET NULL", backref="+")
    grade = CharField(max_length=12, default="general")
    tags = CharField(max_length=200, default="")  # space-separated
    shared = BooleanField(default=False)  # readable by the network's other tenants and HQ
    featured = BooleanField(default=False)  # recommended by HQ
    featured_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    search_text = TextField(default="")  # normalised title, sections and tags: what search matches
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)
    version = IntegerField(default=1)

    class Meta:
        table_name = "library_case"  # "case" is an SQL keyword
        indexes = ((("tenant", "complaint"), True), (("tenant", "id"), False), (("shared", "featured", "id"), False))


class CaseGram(TenantModel):
    """One character bigram of a case's text: Chinese has no spaces between words, so search matches these."""

    tenant = tenant_fk(Tenant)
    case = ForeignKeyField(Case, on_delete="CASCADE", backref="+", index=True)
    gram = CharField(max_length=8)

    class Meta:
        indexes = ((("tenant", "gram", "case"), False),)
