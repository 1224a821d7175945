"""Tenant administration: users, roles, departments, categories."""
from ..access import requires, tenant_blueprint
from ..htmx import render
from ..tenancy.rules import Permission

bp = tenant_blueprint("admin", __name__, "/admin")


@bp.get("/")
@requires(Permission.ADMIN_USERS)
def index():
    return render("admin/index.html")
