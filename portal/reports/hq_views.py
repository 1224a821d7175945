"""Headquarters' view of the reports: the network's month, tenant by tenant, and what they submitted."""
import json
from datetime import date

from flask import abort, g, request

from ..access import get_or_404, hq_blueprint, requires
from ..db import now
from ..htmx import render
from ..i18n import DEFAULT_TZ
from ..tenancy.actions import tenants_of
from . import charts, documents
from .models import Report
from .rules import Period

bp = hq_blueprint("hq_reports", __name__, "/reports")
TEMPLATES = {"monthly": "reports/_monthly.html", "general": "reports/_quarterly.html",
             "hot_important": "reports/_quarterly.html", "major": "reports/_major.html"}


def _month() -> Period:
    text = request.args.get("month")
    if not text:
        return Period.month_of(date.fromisoformat(documents.local(now(), DEFAULT_TZ)[:10])).shift(-1)
    try:
        period = Period.parse(text)
    except ValueError:
        abort(404)
    if period.months != 1:
        abort(404)
    return period


@bp.get("/monthly")
@requires("hq.view")
def monthly():
    period = _month()
    tenants = [t for t in tenants_of(g.network) if t.active]
    return render("reports/hq_monthly.html", doc=documents.hq_monthly(tenants, period, fresh=False),
                  period=period, charts=charts)


@bp.get("/submitted/<int:rid>")
@requires("hq.view")
def submitted(rid):
    report = get_or_404(Report, rid)
    if not report.submitted:
        abort(404)  # a draft is the tenant's own business until it is sent
    return render("reports/hq_submitted.html", report=report, doc=json.loads(report.snapshot),
                  body=TEMPLATES[report.kind], charts=charts)
