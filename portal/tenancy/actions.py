"""Tenancy verbs: networks, tenants with their seeded defaults, memberships."""
from ..accounts.models import User
from ..db import atomic
from ..scope import SYSTEM, for_tenant, scoped
from .models import Category, Department, HqMembership, Membership, Network, Role, Tenant
from .rules import defaults_for, format_permissions


def create_network(slug: str, name: str) -> Network:
    with atomic():
        return Network.create(slug=slug, name=name)


def create_tenant(network: Network, slug: str, name: str, code: str, kind: str = "dealer",
                  timezone: str = "Asia/Shanghai") -> Tenant:
    """A new tenant with the roles, departments and categories of its kind."""
    defaults = defaults_for(kind)
    with atomic():
        tenant = Tenant.create(network=network, slug=slug, name=name, code=code, kind=kind,
                               timezone=timezone)
        with scoped(for_tenant(tenant)):
            for key, role_name, perms in defaults["roles"]:
                Role.create(tenant=tenant, key=key, name=role_name, permissions=format_permissions(perms))
            for dept in defaults["departments"]:
                Department.create(tenant=tenant, name=dept)
            for position, cat in enumerate(defaults["categories"]):
                Category.create(tenant=tenant, name=cat, position=position)
    return tenant


def add_member(tenant: Tenant, user: User, role_key: str) -> Membership:
    with atomic(), scoped(for_tenant(tenant)):
        role = Role.get(Role.key == role_key)
        return Membership.create(tenant=tenant, user=user, role=role)


def add_hq_member(network: Network, user: User, level: str = "admin") -> HqMembership:
    with atomic():
        return HqMembership.create(network=network, user=user, level=level)


def tenants_of(network: Network) -> list[Tenant]:
    with scoped(SYSTEM):
        return list(Tenant.select().where(Tenant.network == network).order_by(Tenant.slug))
