"""Tenant administration verbs: members, roles, departments and categories, each with its event."""
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from peewee import JOIN, IntegrityError, fn

from ..accounts.actions import clear_failures, create_user, end_sessions, set_password
from ..accounts.models import User
from ..accounts.messages import password_messages
from ..accounts.rules import password_problems
from ..db import atomic
from ..events import EventKind, record
from ..scope import SYSTEM, scoped
from .models import Category, Department, HqMembership, Membership, Role
from .rules import Permission, format_permissions

DUPLICATE_NAME = _l("This name is already used in this workspace.")
ALREADY_MEMBER = _l("This person is already a member of this workspace (reactivate them from "
                    "the user list if they were deactivated).")
EMAIL_TAKEN = _l("This e-mail address was just taken. Please try again.")
LAST_ADMIN = _l("Refused: the workspace would have no active member left who can manage "
                "users and roles.")
# Someone must always be able to repair users and roles.
KEEPERS = frozenset({Permission.ADMIN_USERS.value, Permission.ADMIN_ROLES.value})
# What an event shows of each row (before -> after).
STATE_FIELDS = {Role: ("name", "permissions"), Department: ("name", "leader", "active"),
                Category: ("name", "position", "active")}


class Invalid(ValueError):
    """A change refused for a reason shown next to a form field (or above the form when field is None)."""

    def __init__(self, field: str | None, *messages):
        super().__init__(" ".join(str(m) for m in messages))
        self.field, self.messages = field, messages


class Stale(RuntimeError):
    """The row was saved by someone else since the form was shown; `current` holds it now."""

    def __init__(self, current):
        super().__init__("stale version")
        self.current = current


# ---- reads -------------------------------------------------------------------------------

def members():
    """The workspace's members with their accounts and roles, by name."""
    return (Membership.select(Membership, User, Role).join(User).switch(Membership).join(Role)
            .order_by(User.name, User.id))


def active_members():
    """Members who can currently work in the workspace."""
    return members().where(Membership.active & User.active)


def active_member(user_id):
    """The active membership of one user in this workspace, or None."""
    return active_members().where(Membership.user == user_id).get_or_none()


def roles():
    """The workspace's roles with how many members hold each, in the order they were made."""
    return (Role.select(Role, fn.COUNT(Membership.id).alias("member_count"))
            .join(Membership, JOIN.LEFT_OUTER).group_by(Role.id).order_by(Role.id))


def departments():
    """Responsible departments with their leaders, by name."""
    return (Department.select(Department, User).join(User, JOIN.LEFT_OUTER)
            .order_by(Department.name))


def categories():
    """Categories of complaint in the order the tenant chose."""
    return Category.select().order_by(Category.position, Category.name)


def next_category_position() -> int:
    """A position after the last category."""
    return (Category.select(fn.MAX(Category.position)).scalar() or 0) + 1


# ---- members -----------------------------------------------------------------------------

def create_member(actor, tenant, *, name, email, role, password) -> Membership:
    """Add a person: a new account, or an existing account (found by e-mail) keeps its password."""
    email = email.strip().lower()
    user = User.get_or_none(User.email == email)
    if user is None:
        _check_password(password, email)
    elif Membership.select().where(Membership.user == user.id).exists():
        raise Invalid("email", ALREADY_MEMBER)
    existing = user is not None
    try:
        with atomic():
            if user is None:
                user = create_user(email, name, password, method=_hash_method())
            elif not user.active:  # closed when they lost their last workspace; this is a new one
                User.update(active=True).where(User.id == user.id).execute()
            membership = Membership.create(tenant=tenant, user=user, role=role)
            record(EventKind.USER_CREATED, "user", user.id, actor, tenant=tenant,
                   after={"name": user.name, "email": user.email, "role": role.name, "active": True},
                   data={"existing_account": existing})
    except IntegrityError:
        raise Invalid("email", EMAIL_TAKEN) from None
    return membership


def change_role(actor, membership, role, version) -> None:
    """Give a member another role; refused if nobody could manage users and roles afterwards."""
    before = {"role": membership.role.name}
    with atomic():
        _bump(membership.user, version)
        Membership.update(role=role).where(Membership.id == membership.id).execute()
        _check_admin_remains("role")
        record(EventKind.MEMBER_ROLE_CHANGED, "user", membership.user_id, actor,
               tenant=membership.tenant_id, before=before, after={"role": role.name})


def deactivate_member(actor, membership, version) -> None:
    """The member can no longer work here; all their sessions end at their next request."""
    user = membership.user
    with atomic():
        _bump(user, version)
        Membership.update(active=False).where(Membership.id == membership.id).execute()
        _check_admin_remains(None)
        # The account itself closes only when it has no other workspace left.
        closed = not _works_elsewhere(user, membership)
        if closed:
            User.update(active=False).where(User.id == user.id).execute()
        end_sessions(user)
        record(EventKind.USER_DEACTIVATED, "user", user.id, actor, tenant=membership.tenant_id,
               before={"active": membership.active}, after={"active": False},
               data={"account_closed": closed})


def reactivate_member(actor, membership, version) -> None:
    """A deactivated member may sign in and work here again."""
    user = membership.user
    with atomic():
        _bump(user, version)
        Membership.update(active=True).where(Membership.id == membership.id).execute()
        User.update(active=True).where(User.id == user.id).execute()
        record(EventKind.USER_REACTIVATED, "user", user.id, actor, tenant=membership.tenant_id,
               before={"active": membership.active and user.active}, after={"active": True})


def unlock_member(actor, membership, version) -> None:
    """Unlock an account that too many failed sign-ins locked; its earlier failures are forgiven."""
    user = membership.user
    with atomic():
        _bump(user, version, locked=False, locked_at=None)
        record(EventKind.USER_UNLOCKED, "user", user.id, actor, tenant=membership.tenant_id,
               before={"locked": user.locked}, after={"locked": False})
    clear_failures(user.email)


def reset_password(actor, membership, password, version) -> None:
    """Set a new password for a member: unlocks the account and ends every session."""
    user = membership.user
    _check_password(password, user.email)
    with atomic():
        _bump(user, version)
        set_password(user, password, _hash_method())
        record(EventKind.PASSWORD_RESET, "user", user.id, actor, tenant=membership.tenant_id,
               before={"locked": user.locked}, after={"locked": False})


# ---- roles, departments, categories ------------------------------------------------------

def create_role(actor, tenant, *, name, permissions) -> Role:
    """Add a role: a name and a set of permissions."""
    fields = {"name": name.strip(), "key": _new_role_key(name),
              "permissions": format_permissions(permissions)}
    return _save(actor, tenant, Role, None, fields, None, EventKind.ROLE_CREATED)


def edit_role(actor, role, *, name, permissions, version) -> Role:
    """Rename a role or change its permissions; members see the change at their next request."""
    fields = {"name": name.strip(), "permissions": format_permissions(permissions)}
    return _save(actor, role.tenant_id, Role, role, fields, version, EventKind.ROLE_CHANGED)


def save_department(actor, tenant, row, *, name, leader, active, version=None) -> Department:
    """Add (row None) or edit a responsible department and its leader."""
    fields = {"name": name.strip(), "leader": leader, "active": bool(active)}
    return _save(actor, tenant, Department, row, fields, version, EventKind.DEPARTMENT_SAVED)


def save_category(actor, tenant, row, *, name, position, active, version=None) -> Category:
    """Add (row None) or edit a category of complaint."""
    fields = {"name": name.strip(), "position": position, "active": bool(active)}
    return _save(actor, tenant, Category, row, fields, version, EventKind.CATEGORY_SAVED)


def _save(actor, tenant, model, row, fields, version, kind):
    """Insert a settings row, or update it if its version is unchanged; record before -> after."""
    _check_name(model, fields["name"], row.id if row else None)
    before = _state(row) if row else None
    try:
        with atomic():
            if row is None:
                row = model.create(tenant=tenant, **fields)
            else:
                _bump(row, version, **fields)
                row = model.select().where(model.id == row.id).get()
            if model is Role:
                _check_admin_remains("permissions")
            record(kind, model.__name__.lower(), row.id, actor, tenant=tenant,
                   before=before, after=_state(row))
    except IntegrityError:
        raise Invalid("name", DUPLICATE_NAME) from None
    return row


# ---- checks ------------------------------------------------------------------------------

def _bump(row, version, **fields):
    """Write fields and bump the version, unless someone saved a newer version meanwhile."""
    model = type(row)
    written = (model.update(version=model.version + 1, **fields)
               .where((model.id == row.id) & (model.version == version)).execute())
    if not written:
        raise Stale(model.select().where(model.id == row.id).get())


def _check_name(model, name, row_id=None) -> None:
    """Names are unique in a workspace, whatever their case."""
    query = model.select().where(fn.LOWER(model.name) == name.lower())
    if row_id is not None:
        query = query.where(model.id != row_id)
    if query.exists():
        raise Invalid("name", DUPLICATE_NAME)


def _check_password(password, email) -> None:
    """Refuse a password the policy of accounts.rules does not accept."""
    problems = password_problems(password or "", email)
    if problems:
        raise Invalid("password", *password_messages(problems))


def _check_admin_remains(field) -> None:
    """Refuse (the transaction rolls back) if no active member could still manage users and roles."""
    held = (Role.select(Role.permissions).join(Membership).join(User)
            .where(Membership.active & User.active & (Membership.tenant == Role.tenant)).distinct())
    if not any(KEEPERS <= set(role.permissions.split()) for role in held):
        raise Invalid(field, LAST_ADMIN)


def _works_elsewhere(user, membership) -> bool:
    """Whether the person keeps an active place in another tenant or at headquarters."""
    with scoped(SYSTEM):  # a deliberate look across tenants, limited to this one person
        tenants = (Membership.select().where((Membership.user == user.id) & Membership.active
                                             & (Membership.id != membership.id)).exists())
    hq = HqMembership.select().where((HqMembership.user == user.id) & HqMembership.active).exists()
    return tenants or hq


def _state(row) -> dict:
    data = {name: row.__data__.get(name) for name in STATE_FIELDS[type(row)]}
    if "permissions" in data:
        data["permissions"] = sorted((data["permissions"] or "").split())
    return data


def _new_role_key(name: str) -> str:
    """A stable key for a custom role: a slug of its name, made unique in the workspace."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:30] or "role"
    key, n = base, 1
    while Role.select().where(Role.key == key).exists():
        n += 1
        key = f"{base}_{n}"
    return key


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
