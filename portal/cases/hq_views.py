"""Headquarters' case library: every case the network's tenants shared; HQ features the best."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import get_or_404, hq_blueprint, requires
from ..htmx import render
from ..tenancy.models import Tenant
from . import actions, queries, rules
from .models import Case

bp = hq_blueprint("hq_cases", __name__, "/cases")


@bp.get("/")
@requires("hq.view")
def index():
    q = request.args.get("q", "")[:200]
    cases, words = queries.search(q, network=g.network)
    return render("cases/hq_index.html", "cases/_results.html", cases=cases, words=words, q=q)


def _shared(case_id) -> Case:
    case = get_or_404(Case, case_id)
    if not case.shared:
        abort(404)  # not shared: the tenant's own business
    return case


@bp.get("/<int:case_id>")
@requires("hq.view")
def detail(case_id):
    case = _shared(case_id)
    case.tenant_name = Tenant.get_by_id(case.tenant_id).name
    return render("cases/detail.html", case=case, own=False, words=rules.terms(request.args.get("q", "")))


@bp.post("/<int:case_id>/feature")
@requires("hq.manage")
def feature(case_id):
    case = _shared(case_id)
    featured = request.form.get("featured") == "1"
    actions.feature(case, g.user, featured)
    flash(_("Featured for the whole network.") if featured else _("No longer featured."), "success")
    return redirect(url_for("hq_cases.detail", case_id=case.id), code=303)
