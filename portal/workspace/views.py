"""The tenant workspace's front page."""
from flask import g

from ..access import tenant_blueprint
from ..htmx import render

bp = tenant_blueprint("workspace", __name__)


@bp.get("/")
def home():
    return render("workspace/home.html", membership=g.membership)
