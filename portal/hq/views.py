"""The headquarters workspace: dashboard, tenant comparison, inbox and work orders (工单)."""
import json
import uuid

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import escape

from ..access import get_or_404, hq_blueprint, requires
from ..complaints import queries as register
from ..forms import options, put_problems
from ..htmx import render
from ..tenancy.models import Category, Tenant
from . import actions, messages, queries
from .forms import DispatchForm, RedirectForm
from .models import WorkOrder
from .rules import COLUMNS, WorkOrderError

bp = hq_blueprint("hq", __name__)


@bp.app_context_processor
def _hq_labels():
    from . import forms
    return {"hq_labels": messages, "hq_forms": forms}


def apply_problems(form, problems: dict) -> None:
    """Refusal reasons from the verbs, on the form's fields (or on the form as a whole)."""
    put_problems(form, problems, messages.problem)


def tenant_or_404(tenant_id) -> Tenant:
    """A tenant of this HQ's network, or 404 (another network's tenants do not exist here)."""
    tenant = Tenant.get_or_none((Tenant.id == tenant_id) & (Tenant.network == g.network.id))
    if tenant is None:
        abort(404)
    return tenant


def tenant_choices(active_only=True, exclude=None) -> list:
    return [(t.id, t.name) for t in queries.network_tenants(g.network)
            if (t.active or not active_only) and t.id != exclude]


@bp.get("/")
@requires("hq.view")
def home():
    """The dashboard: each panel loads on its own, so a slow one does not hold up the rest."""
    return render("hq/home.html", sort=request.args.get("sort", "worst"), direction=request.args.get("dir", ""),
                  tenants=queries.network_tenants(g.network))


# The comparison's figures in column order, each with the list of the rows behind it (endpoint, filters).
OPEN = {"status": "open", "kind": "complaint"}
FIGURE_LISTS = {
    "open_total": ("hq.complaints", OPEN), "open_major": ("hq.complaints", {**OPEN, "grade": "major"}),
    "open_hot": ("hq.complaints", {**OPEN, "grade": "hot"}),
    "open_important": ("hq.complaints", {**OPEN, "grade": "important"}),
    "crises": ("hq.complaints", {**OPEN, "crisis": 1}),
    "overdue_reply": ("hq.complaints", {"overdue_clock": "reply"}),
    "overdue_completion": ("hq.complaints", {"overdue_clock": "completion"}),
    "work_orders_waiting": ("hq.work_orders", {"status": "dispatched"}),
    "work_orders_overdue": ("hq.work_orders", {"status": "dispatched", "overdue": 1}),
    "supervision_open": ("hq.complaints", {"supervised": 1}), "warnings": ("hq.complaints", {"warned": 1}),
    "reports_pending": ("hq.complaints", {"report": "pending"}),
    "response_rate": ("hq.complaints", {"met_clock": "reply"}),
    "completion_rate": ("hq.complaints", {"met_clock": "completion"}),
    "satisfaction_rate": ("hq.complaints", {"revisited": 1}),
}
RATES = [("response_rate", "reply_on_time", "reply_met"), ("completion_rate", "completion_on_time", "completion_met"),
         ("satisfaction_rate", "satisfied", "revisits")]
COUNTS = [key for key in FIGURE_LISTS if key not in {r[0] for r in RATES}]


def figure_links() -> dict:
    """Each figure's list URL up to "tenant=", for the template to append a tenant id: one url_for per
    column instead of one per cell."""
    links = {}
    for key, (endpoint, filters) in FIGURE_LISTS.items():
        url = url_for(endpoint, **filters)
        links[key] = escape(url + ("&" if "?" in url else "?") + "tenant=")  # Markup: not escaped per cell
    return links


@bp.get("/comparison")
@requires("hq.view")
def comparison():
    """Every tenant's figures side by side, worst first unless sorted by a column."""
    sort = request.args.get("sort", "worst")
    direction = request.args.get("dir", "")
    rows = queries.comparison(g.network, sort, {"asc": False, "desc": True}.get(direction))
    return render("hq/comparison.html", "hq/_comparison.html", rows=rows, totals=queries.totals(rows),
                  sort=sort if sort in COLUMNS else "worst", direction=direction, columns=COLUMNS,
                  month=queries.month_start(), counts=COUNTS, rates=RATES, links=figure_links())


@bp.get("/inbox")
@requires("hq.view")
def inbox():
    """Returned work orders, written reports to acknowledge and late first responses."""
    compact = request.args.get("compact") == "1"  # the dashboard's panel: the first few of each
    return render("hq/inbox.html", "hq/_inbox.html", **queries.inbox(limit=10 if compact else 100), compact=compact)


@bp.get("/work-orders")
@requires("hq.view")
def work_orders():
    status, tenant = request.args.get("status", "open"), request.args.get("tenant", "")
    compact = request.args.get("compact") == "1"
    rows = queries.work_orders(status, int(tenant) if tenant.isdigit() else 0, request.args.get("overdue") == "1",
                               limit=10 if compact else 200)
    return render("hq/work_orders.html", "hq/_work_orders.html", rows=rows, wo_status=status,
                  tenants=tenant_choices(active_only=False), args=request.args, compact=compact)


def category_names() -> list:
    """The category names in use across the network (a dispatched complaint takes the tenant's own)."""
    names = (Category.select(Category.name).where(Category.active).distinct().order_by(Category.name).tuples())
    return [("", "—")] + [(n, n) for (n,) in names]


@bp.route("/work-orders/new", methods=["GET", "POST"])
@requires("hq.dispatch")
def dispatch():
    """Record a complaint HQ received and dispatch it to a tenant."""
    form = DispatchForm()
    form.tenant.choices = options(tenant_choices())
    form.category.choices = options(category_names())
    if not form.is_submitted():
        form.intake_key.data = uuid.uuid4().hex
        form.response_hours.data = _response_hours()
        form.tenant.data = request.args.get("tenant", type=int)
    if not form.validate_on_submit():
        return _dispatch_page(form, 422 if form.is_submitted() else 200)
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "tenant", "intake_key", "category")}
    data["category_name"] = form.category.data or None
    try:
        wo = actions.dispatch(g.network, tenant_or_404(form.tenant.data), g.user, data, form.response_hours.data,
                              key=form.intake_key.data or None)
    except WorkOrderError as err:
        apply_problems(form, err.problems)
        return _dispatch_page(form, 422)
    flash(_("Work order %(number)s was dispatched.", number=wo.number), "success")
    return redirect(url_for("hq.work_order", wid=wo.id), code=303)


def _dispatch_page(form, status):
    kinds = {t.kind for t in queries.network_tenants(g.network)}  # vehicle fields for dealers, units for property
    return render("hq/dispatch.html", form=form, kinds=kinds, status=status)


def _response_hours() -> float:
    from .management import network_explain
    return float(network_explain(g.network, "hq")[0]["response_hours"])


@bp.get("/work-orders/<int:wid>")
@requires("hq.view")
def work_order(wid):
    return _work_order_page(get_or_404(WorkOrder, wid))


def _work_order_page(wo, form=None, status=200):
    wo = queries.work_order(wo.id)
    if form is None:
        form = RedirectForm(formdata=None, version=wo.version)
    form.tenant.choices = options(tenant_choices(exclude=wo.tenant_id))
    deadlines = register.clock_context(wo.complaint)["deadlines"] if wo.complaint_id else []
    return render("hq/work_order.html", wo=wo, history=queries.work_order_history(wo), form=form,
                  payload=json.loads(wo.payload), deadlines=deadlines, status=status)


@bp.post("/work-orders/<int:wid>/redirect")
@requires("hq.dispatch")
def redirect_work_order(wid):
    """Send a misrouted work order to another tenant, with the reason."""
    wo = get_or_404(WorkOrder, wid)
    form = RedirectForm()
    form.tenant.choices = options(tenant_choices(exclude=wo.tenant_id))
    if not form.validate_on_submit():
        return _work_order_page(wo, form, 422)
    try:
        actions.redirect(wo, tenant_or_404(form.tenant.data), g.user, form.reason.data, _int(form.version.data))
    except WorkOrderError as err:
        apply_problems(form, err.problems)
        return _work_order_page(wo, form, 422)
    except actions.StaleWorkOrder:
        form.form_errors = [_("The work order changed meanwhile (the tenant may have answered). Nothing was "
                              "saved: check its state below.")]
        return _work_order_page(get_or_404(WorkOrder, wid), form, 409)
    flash(_("Work order %(number)s was redirected.", number=wo.number), "success")
    return redirect(url_for("hq.work_order", wid=wo.id), code=303)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


from . import complaint_views, inbox_views, tenant_admin_views  # noqa: E402,F401  (routes on this blueprint)
