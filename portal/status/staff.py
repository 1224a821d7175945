"""Staff side of the status link: the panel on a complaint, revoke and re-issue, send, tenant settings."""
from flask import flash, g, redirect, url_for
from flask_babel import gettext as _

from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.models import Complaint
from ..db import now
from ..htmx import is_htmx
from ..sla.settings_views import settings_form_page
from ..tenancy.rules import Permission as P
from . import actions, links, qr, rules
from .forms import LinkSettingsForm, SendLinkForm

bp = tenant_blueprint("customer_link", __name__)


def link_context(complaint) -> dict:
    """The panel's data: shown to staff who talk to the customer, and to whoever logged the complaint.

    The link lets its holder answer for the customer, so not every colleague gets to see it.
    """
    perms = getattr(g, "permissions", frozenset())
    user = getattr(g, "user", None)
    if str(P.COMPLAINT_CUSTOMER) not in perms and (user is None or complaint.created_by_id != user.id):
        return {"customer_link": None}
    url = links.url_for_complaint(complaint)
    # Open complaints never expire: the settings are read only for closed ones (keeps the page's queries few).
    cfg = links.link_settings(g.tenant) if complaint.closed_at else rules.SETTINGS_DEFAULTS
    expires = links.expires_at(complaint, cfg)
    return {"customer_link": {
        "url": url, "qr": qr.svg(url, _("QR code of the customer's status link")), "expires_at": expires,
        "expired": expires is not None and expires <= now(),
        "can_manage": str(P.COMPLAINT_CUSTOMER) in perms, "has_email": bool(complaint.customer.email),
        "send_form": SendLinkForm(formdata=None, locale=complaint.customer.locale)}}


def _after(complaint, message: str):
    """The refreshed complaint for HTMX (with the message in the panel), else back to the page."""
    from ..complaints.views import render_detail  # late: the complaints views import this module's caller
    if is_htmx():
        return render_detail(get_or_404(Complaint, complaint.id), customer_link_message=message)
    flash(message, "success")
    return redirect(url_for("complaints.detail", cid=complaint.id), code=303)


@bp.post("/complaints/<int:cid>/customer-link/reissue")
@requires(P.COMPLAINT_CUSTOMER)
def reissue(cid):
    complaint = get_or_404(Complaint, cid)
    actions.reissue(complaint, g.user)
    return _after(complaint, _("The old link no longer works. Give the customer the new one."))


@bp.post("/complaints/<int:cid>/customer-link/send")
@requires(P.COMPLAINT_CUSTOMER)
def send(cid):
    from ..complaints.views import render_detail
    complaint = get_or_404(Complaint, cid)
    form = SendLinkForm()
    if not form.validate_on_submit():
        return render_detail(complaint, status=422, customer_link_message=_("Choose the language of the mail."))
    try:
        actions.send_link(complaint, g.user, locale=form.locale.data)
    except actions.NoEmail:
        return render_detail(complaint, status=422,
                             customer_link_message=_("The customer gave no e-mail address. Print the receipt "
                                                     "with the QR code or read the link to them instead."))
    return _after(complaint, _("The link is on its way to the customer's e-mail address."))


@bp.route("/settings/customer-link", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def settings_page():
    return settings_form_page(links.SETTINGS, LinkSettingsForm, "status/settings.html")
