"""Networks (headquarters), tenants (dealers, property companies) and their configuration."""
import enum

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..accounts.models import User
from ..db import BaseModel, now
from ..scope import TenantModel, tenant_fk


class TenantKind(enum.StrEnum):
    DEALER = "dealer"
    PROPERTY = "property"


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Network(BaseModel):
    """A headquarters and the tenants it oversees (a carmaker's dealer network, a property group)."""

    slug = CharField(max_length=40, unique=True)
    name = CharField(max_length=120)
    created_at = DateTimeField(default=now)


class Tenant(BaseModel):
    """A workspace: one dealer or one property project company."""

    network = ForeignKeyField(Network, backref="tenants", on_delete="RESTRICT", index=True)
    slug = CharField(max_length=40, unique=True)
    name = CharField(max_length=120)
    code = CharField(max_length=12)  # short code used in complaint numbers, e.g. SH01
    kind = CharField(max_length=16, default=TenantKind.DEALER)
    timezone = CharField(max_length=64, default="Asia/Shanghai")
    status = CharField(max_length=16, default=TenantStatus.ACTIVE)
    created_at = DateTimeField(default=now)

    @property
    def active(self) -> bool:
        return self.status == TenantStatus.ACTIVE


class Role(TenantModel):
    """A named set of permissions inside one tenant, editable by its admin."""

    tenant = tenant_fk(Tenant)
    key = CharField(max_length=40)  # stable key of a seeded role, or a slug of a custom one
    name = CharField(max_length=80)
    permissions = TextField(default="")  # space-separated Permission values
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "key"), True),)

    @property
    def permission_set(self) -> frozenset[str]:
        return frozenset(self.permissions.split())


class Department(TenantModel):
    """A responsible department (责任部门) that receives transferred complaints."""

    tenant = tenant_fk(Tenant)
    name = CharField(max_length=80)
    leader = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    active = BooleanField(default=True)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "name"), True),)


class Category(TenantModel):
    """A category of complaint from the tenant's configurable list."""

    tenant = tenant_fk(Tenant)
    name = CharField(max_length=80)
    position = IntegerField(default=0)
    active = BooleanField(default=True)
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("tenant", "name"), True),)


class Membership(TenantModel):
    """A user's place in a tenant: one role there."""

    tenant = tenant_fk(Tenant)
    user = ForeignKeyField(User, backref="memberships", on_delete="CASCADE", index=True)
    role = ForeignKeyField(Role, backref="memberships", on_delete="RESTRICT")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("tenant", "user"), True),)


class HqLevel(enum.StrEnum):
    ADMIN = "admin"  # HQ complaint admin (总部客服管理部 / CSC)
    VIEWER = "viewer"  # HQ viewer / auditor


class HqMembership(BaseModel):
    """A user's place at a network's headquarters."""

    network = ForeignKeyField(Network, backref="hq_members", on_delete="CASCADE", index=True)
    user = ForeignKeyField(User, backref="hq_memberships", on_delete="CASCADE", index=True)
    level = CharField(max_length=16, default=HqLevel.ADMIN)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("network", "user"), True),)


def active_members(*fields):
    """Active users of the scope's tenant. Membership is filtered in a scoped subquery: a plain
    join from User (not a tenant table) would carry no tenant filter at all."""
    members = Membership.select(Membership.user).where(Membership.active)
    return User.select(*fields).where(User.active & User.id.in_(members))
