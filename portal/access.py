"""The one chokepoint for tenancy and permissions.

`/t/<tenant>/...` blueprints load the tenant from the URL and the user's membership in it;
`/hq/...` blueprints load the user's network. Anything outside the caller's reach is a 404.
Views load rows through `get_or_404`, which goes through the scoped model layer.
"""
import functools

from flask import Blueprint, abort, g, redirect, request, session, url_for
from flask_login import current_user

from . import scope
from .tenancy.models import HqMembership, Membership, Network, Role, Tenant
from .tenancy.rules import HQ_PERMISSIONS, parse_permissions


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose routes live under /t/<tenant> and run inside that tenant's scope."""
    bp = Blueprint(name, import_name, url_prefix="/t/<tenant>" + url_prefix)
    bp.url_value_preprocessor(_pop_tenant)
    bp.url_defaults(_add_tenant)
    bp.before_request(_enter_tenant)
    return bp


def hq_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose routes live under /hq and run inside the user's network scope."""
    bp = Blueprint(name, import_name, url_prefix="/hq" + url_prefix)
    bp.before_request(_enter_hq)
    return bp


def _pop_tenant(endpoint, values):
    g.tenant_slug = values.pop("tenant", None) if values else None


def _add_tenant(endpoint, values):
    if "tenant" not in values and getattr(g, "tenant", None) is not None:
        values["tenant"] = g.tenant.slug


def _login_redirect():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _enter_tenant():
    if not current_user.is_authenticated:
        return _login_redirect()
    tenant = Tenant.get_or_none(Tenant.slug == g.tenant_slug)
    if tenant is None or not tenant.active:
        abort(404)
    with scope.scoped(scope.for_tenant(tenant)):
        membership = (Membership.select(Membership, Role).join(Role)
                      .where((Membership.user == current_user.id) & Membership.active)
                      .get_or_none())
    if membership is None:
        abort(404)  # not 403: another tenant's workspace does not exist for this user
    g.tenant = tenant
    g.user = current_user._get_current_object()
    g.membership = membership
    g.permissions = parse_permissions(membership.role.permissions)
    scope.set_scope(scope.for_tenant(tenant))
    if session.get("workspace") != f"t:{tenant.slug}":  # unchanged: no new cookie on every page
        session["workspace"] = f"t:{tenant.slug}"


def _enter_hq():
    if not current_user.is_authenticated:
        return _login_redirect()
    query = (HqMembership.select(HqMembership, Network).join(Network)
             .where((HqMembership.user == current_user.id) & HqMembership.active)
             .order_by(Network.slug))
    memberships = list(query)
    if not memberships:
        abort(404)
    wanted = session.get("workspace", "")
    chosen = next((m for m in memberships if wanted == f"hq:{m.network.slug}"), memberships[0])
    g.network = chosen.network
    g.user = current_user._get_current_object()
    g.hq = chosen
    g.permissions = frozenset(HQ_PERMISSIONS.get(chosen.level, ()))
    scope.set_scope(scope.for_network(chosen.network))


def can(permission) -> bool:
    """Whether the current user holds a permission in the current workspace."""
    return str(permission) in getattr(g, "permissions", frozenset())


def requires(*permissions):
    """Refuse the view with 403 unless the user holds every permission in this workspace."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not all(can(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_permissions = permissions
        return wrapped
    return decorator


def get_or_404(model, ident):
    """Load one tenant-owned row by id through the scoped layer, or 404."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    row = model.select().where(model.id == ident).get_or_none()
    if row is None:
        abort(404)
    return row


def workspaces(user) -> list[dict]:
    """Every workspace a user may enter: tenants by membership, and HQ networks."""
    with scope.scoped(scope.SYSTEM):
        tenants = list(Tenant.select(Tenant, Network).join(Network).join_from(Tenant, Membership)
                       .where((Membership.user == user.id) & Membership.active
                              & (Tenant.status == "active"))
                       .order_by(Tenant.slug))
    hqs = list(Network.select().join(HqMembership)
               .where((HqMembership.user == user.id) & HqMembership.active).order_by(Network.slug))
    return ([{"key": f"hq:{n.slug}", "label": n.name, "hq": True, "network": n} for n in hqs]
            + [{"key": f"t:{t.slug}", "label": t.name, "hq": False, "tenant": t} for t in tenants])
