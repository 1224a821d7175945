"""The tenant-scoping layer: every query on tenant-owned rows is filtered by the current scope.

A scope is set for the length of a request (from the URL) or a job. `TenantModel.select()`,
`update()` and `delete()` always add the scope's filter, and refuse to run without a scope,
so a forgotten filter cannot leak another tenant's rows.
"""
import contextlib
import contextvars
from dataclasses import dataclass

from peewee import ForeignKeyField

from .db import BaseModel


class ScopeError(RuntimeError):
    """Raised when tenant data is touched with no scope, or outside the scope."""


@dataclass(frozen=True)
class Scope:
    """Which tenants a piece of code may see: one tenant, one network, or all (system jobs)."""

    tenant_id: int | None = None
    network_id: int | None = None
    system: bool = False

    def describe(self) -> str:
        if self.system:
            return "system"
        return f"tenant {self.tenant_id}" if self.tenant_id else f"network {self.network_id}"


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("kesu_scope", default=None)

SYSTEM = Scope(system=True)


def current() -> Scope:
    scope = _current.get()
    if scope is None:
        raise ScopeError("tenant data accessed without a tenant scope")
    return scope


def set_scope(scope: Scope | None):
    """Set the scope for the rest of this context; returns a token for `reset_scope`."""
    return _current.set(scope)


def reset_scope(token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def scoped(scope: Scope):
    """Run a block inside a scope (tests, CLI commands, jobs)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def for_tenant(tenant) -> Scope:
    return Scope(tenant_id=tenant.id, network_id=tenant.network_id)


def for_network(network) -> Scope:
    return Scope(network_id=network.id)


class TenantModel(BaseModel):
    """Base for every tenant-owned table: queries are filtered by the current scope."""

    # Subclasses declare `tenant = ForeignKeyField(Tenant, ...)`; see tenancy.models.

    @classmethod
    def _scope_filter(cls):
        scope = current()
        if scope.system:
            return None
        if scope.tenant_id is not None:
            return cls.tenant == scope.tenant_id
        from .tenancy.models import Tenant  # late: tenancy imports this module
        return cls.tenant.in_(Tenant.select(Tenant.id).where(Tenant.network == scope.network_id))

    @classmethod
    def select(cls, *fields):
        query = super().select(*fields)
        condition = cls._scope_filter()
        return query if condition is None else query.where(condition)

    @classmethod
    def update(cls, __data=None, **update):
        changes = {**(__data or {}), **update}
        # Keys are names or fields; compare by name (a peewee field's == builds an expression).
        for key in (k for k in changes if getattr(k, "name", k) == "tenant"):
            cls._check_insert({"tenant": changes[key]})  # a row can never move to another tenant
        query = super().update(__data, **update)
        condition = cls._scope_filter()
        return query if condition is None else query.where(condition)

    @classmethod
    def delete(cls):
        query = super().delete()
        condition = cls._scope_filter()
        return query if condition is None else query.where(condition)

    @classmethod
    def insert(cls, __data=None, **insert):
        cls._check_insert(__data if isinstance(__data, dict) else insert)
        return super().insert(__data, **insert)

    @classmethod
    def insert_many(cls, rows, fields=None):
        rows = list(rows)
        names = [getattr(f, "name", f) for f in fields] if fields else None
        for row in rows:
            if isinstance(row, dict):
                cls._check_insert(row)
            elif names is not None:
                data = dict(zip(names, row))
                if "tenant" not in data:
                    raise ScopeError(f"{cls.__name__} rows inserted without a tenant column")
                cls._check_insert(data)
        return super().insert_many(rows, fields)

    @classmethod
    def _check_insert(cls, data: dict) -> None:
        scope = current()
        if scope.system:
            return
        tenant = data.get("tenant", data.get(cls.tenant))
        tenant_id = getattr(tenant, "id", tenant)
        if scope.tenant_id is not None:
            if tenant_id is None:
                data["tenant"] = scope.tenant_id
            elif tenant_id != scope.tenant_id:
                raise ScopeError(f"write to tenant {tenant_id} inside {scope.describe()}")
        elif tenant_id is None:
            raise ScopeError(f"{cls.__name__} written without a tenant inside {scope.describe()}")
        else:
            from .tenancy.models import Tenant
            if not Tenant.select().where((Tenant.id == tenant_id) & (Tenant.network == scope.network_id)).exists():
                raise ScopeError(f"write to tenant {tenant_id} inside {scope.describe()}")

    def save(self, force_insert=False, only=None):
        if self._pk is None or force_insert:
            data = {**self.__data__, "tenant": self.__data__.get("tenant")}  # all columns: events check `network` too
            self._check_insert(data)
            self.__data__["tenant"] = data["tenant"]
        return super().save(force_insert=force_insert, only=only)


def tenant_fk(model, **kwargs) -> ForeignKeyField:
    """The `tenant` column every tenant-owned table carries."""
    return ForeignKeyField(model, backref="+", on_delete="CASCADE", index=True, **kwargs)
