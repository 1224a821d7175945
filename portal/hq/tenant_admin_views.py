"""Tenant management for HQ admins: create, suspend and reactivate tenants; network-wide defaults."""
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FloatField, HiddenField
from wtforms.validators import InputRequired, NumberRange

from ..access import requires
from ..forms import Form
from ..htmx import render
from ..sla import escalation_views, grading, settings
from ..sla.forms import DeadlinesForm
from . import management, queries
from .forms import SuspendForm, TenantForm
from .rules import WorkOrderError
from .views import apply_problems, bp, tenant_or_404


@bp.route("/tenants", methods=["GET", "POST"])
@requires("hq.manage")
def tenants():
    """The network's tenants, and a new one (seeded with the roles, departments and categories of its kind)."""
    form = TenantForm()
    if form.is_submitted():
        if form.validate_on_submit():
            try:
                tenant = management.new_tenant(g.network, g.user, form.data)
            except WorkOrderError as err:
                apply_problems(form, err.problems)
            else:
                flash(_("%(name)s was created. Its administrator can sign in now.", name=tenant.name), "success")
                return redirect(url_for("hq.tenants"), code=303)
    counts = management.member_counts()
    rows = [(t, counts.get(t.id, 0)) for t in queries.network_tenants(g.network)]
    return render("hq/tenants.html", form=form, rows=rows, suspend_form=SuspendForm(),
                  status=422 if form.errors or getattr(form, "form_errors", None) else 200)


@bp.post("/tenants/<int:tid>/suspend")
@requires("hq.manage")
def suspend(tid):
    """Suspend a tenant: its users are refused from their next request; its data is kept."""
    return _set_status(tid, "suspended", _("%(name)s is suspended."))


@bp.post("/tenants/<int:tid>/reactivate")
@requires("hq.manage")
def reactivate(tid):
    return _set_status(tid, "active", _("%(name)s is active again."))


def _set_status(tid, status, message):
    tenant = tenant_or_404(tid)
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            management.set_status(tenant, status, g.user, form.reason.data)
            flash(message % {"name": tenant.name}, "success")
        except WorkOrderError:
            flash(_("Nothing changed: the tenant already has that status."), "warning")
    return redirect(url_for("hq.tenants"), code=303)


# --- network-wide defaults ----------------------------------------------------------------------

class DispatchDefaultsForm(Form):
    version = HiddenField()
    response_hours = FloatField(_l("Tenants respond to a work order within (hours)"),
                                validators=[InputRequired(), NumberRange(min=0.5, max=720)])


FORMS = {"deadlines": DeadlinesForm, "hq": DispatchDefaultsForm}


@bp.route("/settings/<any(deadlines, hq):key>", methods=["GET", "POST"])
@requires("hq.manage")
def network_settings(key):
    """Deadline defaults every tenant of the network inherits unless it sets its own."""
    values, sources, version = management.network_explain(g.network, key)
    form = FORMS[key](formdata=request.form if request.method == "POST" else None, data={**values, "version": version})
    if request.method == "GET" or not form.validate_on_submit():
        return render("hq/settings.html", form=form, sources=sources, key=key, status=422 if form.errors else 200)
    try:
        management.save_network_defaults(g.network, key, {n: form[n].data for n in values}, g.user,
                                          int(form.version.data or 0))
    except settings.StaleSettings:
        form.form_errors.append(_("Someone else changed these defaults meanwhile. Nothing was saved."))
        return render("hq/settings.html", form=form, sources=sources, key=key, status=409)
    flash(_("Network defaults saved. Tenants that do not set their own use them from now on."), "success")
    return redirect(request.path, code=303)


@bp.route("/settings/escalation", methods=["GET", "POST"])
@requires("hq.manage")
def network_escalation():
    """The escalation thresholds every tenant inherits unless it sets its own."""
    stored, sources, version = management.network_explain(g.network, "escalation")
    if request.method == "GET":
        return _escalation_page(stored, {}, sources, version)
    values, problems = escalation_views._typed(request.form)
    if problems:
        return _escalation_page(values, problems, sources, version, 422, request.form)
    try:
        management.save_network_defaults(g.network, "escalation", values, g.user, int(request.form.get("version") or 0))
    except settings.StaleSettings:
        return _escalation_page(values, {"__all__": "stale"}, sources, version, 409, request.form)
    flash(_("Network defaults saved. Tenants that do not set their own use them from now on."), "success")
    return redirect(request.path, code=303)


def _escalation_page(values, problems, sources, version, status=200, raw=None):
    texts = {k: (_("Someone else changed these defaults meanwhile. Nothing was saved.") if v == "stale"
                 else str(escalation_views.PROBLEMS.get(v, v))) for k, v in problems.items()}
    shown = {k: (raw.get(k) if raw is not None else ("\n".join(v) if isinstance(v, list | tuple) else v))
             for k, v in values.items()}
    return render("hq/settings_escalation.html", values=shown, problems=texts, sources=sources, version=version,
                  field_labels=escalation_views.LABELS, numbers=escalation_views.NUMBERS,
                  keyword_lists=grading.KEYWORD_LISTS, key="escalation", status=status)
