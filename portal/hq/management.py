"""Tenant management by HQ admins: create tenants, suspend and reactivate them, network-wide defaults."""
import json

from flask import current_app
from peewee import fn

from .. import events
from ..accounts.actions import create_user
from ..accounts.models import User
from ..accounts.rules import password_problems
from ..db import atomic
from ..events import EventKind
from ..sla import settings
from ..sla.models import NetworkSetting
from ..tenancy.actions import add_member, create_tenant
from ..tenancy.models import Membership, Tenant, TenantStatus
from .rules import WorkOrderError


def new_tenant(network, actor, data: dict) -> Tenant:
    """A tenant of the network, seeded for its kind, with its first administrator (new or existing user)."""
    problems = {}
    if Tenant.select().where(Tenant.slug == data["slug"]).exists():
        problems["slug"] = ["taken"]
    email = data["admin_email"].strip().lower()
    user = User.get_or_none(User.email == email)
    if user is None:
        found = password_problems(data.get("admin_password") or "", email)
        if found:
            problems["admin_password"] = found
    if problems:
        raise WorkOrderError(problems)
    with atomic():
        tenant = create_tenant(network, data["slug"], data["name"].strip(), data["code"], data["kind"],
                               data.get("timezone") or "Asia/Shanghai")
        if user is None:
            user = create_user(email, data["admin_name"], data["admin_password"],
                               method=current_app.config["PASSWORD_HASH_METHOD"])
        add_member(tenant, user, "tenant_admin")
        events.record(EventKind.TENANT_CREATED, "tenant", tenant.id, actor, tenant=tenant,
                      after={"slug": tenant.slug, "name": tenant.name, "kind": tenant.kind, "admin": user.email})
    return tenant


def set_status(tenant: Tenant, status: str, actor, reason: str = "") -> None:
    """Suspend a tenant (its users are refused from their next request; data kept) or reactivate it."""
    if status not in set(TenantStatus) or status == tenant.status:
        raise WorkOrderError({"__all__": ["wrong_state"]})
    kind = EventKind.TENANT_SUSPENDED if status == TenantStatus.SUSPENDED else EventKind.TENANT_REACTIVATED
    with atomic():
        before = tenant.status
        Tenant.update(status=status).where(Tenant.id == tenant.id).execute()
        tenant.status = status
        events.record(kind, "tenant", tenant.id, actor, tenant=tenant, before={"status": before},
                      after={"status": status}, data={"reason": (reason or "").strip()})


def member_counts() -> dict:
    """Active users per tenant of the scope's network, in one query."""
    return dict(Membership.select(Membership.tenant, fn.COUNT(Membership.id)).where(Membership.active)
                .group_by(Membership.tenant).tuples())


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def network_explain(network, key: str) -> tuple[dict, dict, int]:
    """(effective network defaults, where each comes from: default|network, row version)."""
    row = NetworkSetting.get_or_none((NetworkSetting.network == network.id) & (NetworkSetting.key == key))
    own = json.loads(row.value) if row else {}
    values = {k: own.get(k, v) for k, v in settings.DEFAULTS[key].items()}
    return values, {k: "network" if k in own else "default" for k in values}, row.version if row else 0


def save_network_defaults(network, key: str, values: dict, actor, expected_version: int) -> dict:
    """Store the network's defaults for one settings group (only values that differ from the built-in
    defaults); every tenant inherits them unless it overrides them. HQ's log records the change, and so does
    each tenant's (the settings in force there may have changed)."""
    with atomic():
        before, _, version = network_explain(network, key)
        if version != expected_version:
            raise settings.StaleSettings()
        own = {k: v for k, v in values.items()
               if k in settings.DEFAULTS[key] and _plain(v) != _plain(settings.DEFAULTS[key][k])}
        text = json.dumps(own, ensure_ascii=False)
        if version == 0:
            NetworkSetting.create(network=network, key=key, value=text)
        else:
            NetworkSetting.update(value=text, version=NetworkSetting.version + 1).where(
                (NetworkSetting.network == network.id) & (NetworkSetting.key == key)).execute()
        after = {k: own.get(k, v) for k, v in settings.DEFAULTS[key].items()}
        changed = {k: after[k] for k in after if after[k] != before.get(k)}
        events.record(EventKind.SETTINGS_CHANGED, "settings", None, actor, network=network,
                      before={k: before.get(k) for k in changed}, after=changed, data={"group": key, "level": "network"})
        for tenant in Tenant.select().where(Tenant.network == network.id):
            events.record(EventKind.SETTINGS_CHANGED, "settings", None, actor, tenant=tenant,
                          before={k: before.get(k) for k in changed}, after=changed,
                          data={"group": key, "level": "network"})
    return after
