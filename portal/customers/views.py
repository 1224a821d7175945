"""Customer privacy for tenant admins: find a customer, export everything about them, erase them after
the retention period; the retention setting; and `person(...)`, the one masking rule every page uses."""
import dataclasses

from flask import current_app, flash, g, redirect, request, send_file, url_for
from flask_babel import gettext as _

from .. import privacy
from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.models import Customer
from ..db import now
from ..htmx import render
from ..i18n import localtime
from ..sla.settings_views import settings_form_page
from ..tenancy.rules import Permission as P
from . import actions, erasure, export, queries
from .forms import EraseForm, ExportForm, PrivacySettingsForm

bp = tenant_blueprint("customers", __name__)


def person(customer=None, full=None, **fields) -> privacy.Person:
    """The customer as the current viewer may see them (privacy.person); `full` overrides the permission
    check where another rule grants it (an HQ handler on a complaint HQ took over)."""
    if full is None:
        full = privacy.sees_full(g.get("permissions", ()))
    if customer is not None:
        fields = {"name": customer.name, "phone": customer.phone, "email": customer.email,
                  "address": customer.address}
    shown = privacy.person(fields.get("name"), fields.get("phone"), fields.get("email"), fields.get("address"),
                           full=full, erased=customer is not None and customer.erased_at is not None)
    return dataclasses.replace(shown, name=_("Erased customer")) if shown.erased else shown


@bp.app_context_processor
def _person():
    return {"person": person}


@bp.get("/customers/")
@requires(P.CUSTOMER_PRIVACY)
def index():
    q = request.args.get("q", "").strip()
    return render("customers/index.html", "customers/_results.html", q=q, rows=queries.search(q))


@bp.get("/customers/<int:cid>")
@requires(P.CUSTOMER_PRIVACY)
def detail(cid):
    customer = get_or_404(Customer, cid)
    return _page(customer)


def _page(customer, status=200, erase_form=None, refusal=None):
    state = queries.retention(customer, g.tenant, now())
    if status == 200 and privacy.sees_full(g.permissions) and customer.erased_at is None:
        actions.viewed(g.user, customer.id, customer.tenant_id, page="customer")
    return render("customers/detail.html", status=status, customer=customer, state=state,
                  log=queries.access_log(customer), export_form=ExportForm(), erase_form=erase_form or EraseForm(),
                  refusal=refusal or (_refusal_text(state.refusal, state.ends) if state.refusal else None))


def _refusal_text(reason: str, ends) -> str:
    if reason == "open":
        return _("This customer still has open complaints. Their data can be erased once every complaint is "
                 "closed and the retention period has ended.")
    if reason == "erased":
        return _("This customer's personal data has been erased.")
    return _("The retention period ends on %(date)s. The customer's data cannot be erased before then.",
             date=localtime(ends, "%Y-%m-%d"))


@bp.post("/customers/<int:cid>/export")
@requires(P.CUSTOMER_PRIVACY)
def export_data(cid):
    customer = get_or_404(Customer, cid)
    form = ExportForm()
    if not form.validate_on_submit():
        return _page(customer, status=422)
    document, packed = actions.exported(customer, g.tenant, g.user, form.fmt.data)
    name = f"{g.tenant.slug}-customer-{customer.id}-{now():%Y%m%d}"
    if form.fmt.data == "json":
        body = export.as_json(document)
        response = current_app.response_class(body, mimetype="application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.json"'
    else:
        response = send_file(export.as_zip(document, packed, current_app.config["UPLOAD_DIR"]),
                             mimetype="application/zip", as_attachment=True, download_name=f"{name}.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/customers/<int:cid>/erase")
@requires(P.CUSTOMER_PRIVACY)
def erase(cid):
    customer = get_or_404(Customer, cid)
    form = EraseForm()
    if not form.validate_on_submit():
        return _page(customer, status=422, erase_form=form)
    try:
        done = erasure.erase(customer, g.tenant, g.user)
    except erasure.ErasureRefused as refused:
        return _page(customer, status=422 if refused.reason != "erased" else 409, erase_form=form,
                     refusal=_refusal_text(refused.reason, refused.ends))
    flash(_("The customer's personal data was erased from %(n)d complaints; the complaints stay in the "
            "statistics.", n=done.complaints), "success")
    return redirect(url_for("customers.detail", cid=customer.id), code=303)


@bp.route("/settings/privacy", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def settings_page():
    return settings_form_page(queries.SETTINGS, PrivacySettingsForm, "customers/settings.html",
                              from_form=lambda f: {"retention_months": f.retention_months.data})
