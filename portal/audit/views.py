"""The audit log viewer: tenant admins see their tenant's events, HQ its network's. Read only: the
log has no route that changes it (events are append-only in the application)."""
from flask import g, request
from flask_babel import gettext as _

from .. import privacy
from ..access import hq_blueprint, requires, tenant_blueprint
from ..accounts.models import User
from ..events import EventKind
from ..htmx import render
from ..i18n import tenant_zone
from ..tenancy.models import HqMembership, Tenant, active_members
from ..tenancy.rules import Permission as P
from . import labels, queries

bp = tenant_blueprint("audit", __name__, "/audit")
hq_bp = hq_blueprint("hq_audit", __name__, "/audit")


@bp.app_context_processor
def _labels():
    return {"audit_kind": labels.kind_label, "audit_subject": labels.subject_label}


@bp.get("/")
@requires(P.ADMIN_AUDIT)
def index():
    """This tenant's events: who did what, when, from where."""
    actors = [(str(u.id), u.name) for u in active_members(User.id, User.name).order_by(User.name)]
    return _render("audit.index", actors, tenants=None)


@hq_bp.get("/")
@requires("hq.view")
def hq_index():
    """The events of every tenant of the network, and HQ's own (its members, the network's defaults)."""
    hq_users = HqMembership.select(HqMembership.user).where(HqMembership.network == g.network.id)
    actors = [(str(u.id), u.name) for u in User.select(User.id, User.name).where(User.id.in_(hq_users))
              .order_by(User.name)]
    tenants = [(t.id, t.name) for t in Tenant.select(Tenant.id, Tenant.name)
               .where(Tenant.network == g.network.id).order_by(Tenant.name)]
    return _render("hq_audit.hq_index", actors, tenants=tenants)


def _render(endpoint, actors, tenants):
    f = queries.AuditFilter.from_args(request.args)
    rows, cursor = queries.page(f, tenant_zone())
    options = {"actors": actors + [("customer", _("Customer")), ("system", _("System"))],
               "kinds": [(str(k), labels.kind_label(str(k))) for k in EventKind],  # grouped by area, as declared
               "subjects": sorted(labels.SUBJECT_LABELS.items(), key=lambda kv: str(kv[1])),
               "tenants": tenants}
    return render("audit/index.html", "audit/_list.html", rows=rows, cursor=cursor, f=f, options=options,
                  endpoint=endpoint, full=privacy.sees_full(g.permissions), changes=queries.changes)
