"""The headquarters workspace."""
from flask import g

from ..access import hq_blueprint, requires
from ..htmx import render
from ..tenancy.actions import tenants_of

bp = hq_blueprint("hq", __name__)


@bp.get("/")
@requires("hq.view")
def home():
    return render("hq/home.html", tenants=tenants_of(g.network))
