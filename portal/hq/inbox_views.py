"""HQ's inbox decisions: approvals routed to headquarters (major plans, downgrades), support requests.

The approvals and support areas own the verbs; HQ calls them inside the complaint's tenant, as the
tenant's own pages do.
"""
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import get_or_404, requires
from ..approvals import actions as approval_actions
from ..approvals.messages import problem_text as approval_problem
from ..approvals.models import Approval
from ..htmx import render
from ..scope import for_tenant, scoped
from ..support import actions as support_actions
from ..support.messages import problem_text as support_problem
from ..support.models import SupportRequest
from ..tenancy.models import Tenant
from . import queries
from .forms import answer_form, decision_form
from .complaint_views import _tenant_context
from .views import bp


def _inbox_page(status, **forms):
    return render("hq/inbox.html", "hq/_inbox.html", status=status, **queries.inbox(), **forms)


def _in_tenant(tenant_id):
    tenant = Tenant.get_by_id(tenant_id)
    return scoped(for_tenant(tenant)), _tenant_context(tenant)


@bp.post("/approvals/<int:aid>/decide")
@requires("hq.approve")
def decide(aid):
    """Approve or reject a decision routed to headquarters."""
    approval = get_or_404(Approval, aid)
    form = decision_form(approval, request.form)
    if not form.validate_on_submit():
        return _inbox_page(422, approval_forms={aid: form})
    in_scope, in_context = _in_tenant(approval.tenant_id)
    try:
        with in_scope, in_context:
            approval_actions.decide(approval, g.user, form.decision.data == "approve", form.comment.data,
                                    _int(form.version.data))
    except approval_actions.ApprovalError as err:
        form.comment.errors = list(form.comment.errors) + [str(approval_problem(c)) for cs in err.problems.values()
                                                           for c in cs]
        return _inbox_page(409 if "already_decided" in str(err.problems) else 422, approval_forms={aid: form})
    flash(_("Decision recorded."), "success")
    return redirect(url_for("hq.inbox"), code=303)


@bp.post("/support/<int:rid>/answer")
@requires("hq.approve")
def answer_support(rid):
    """Headquarters (parts centre, technical support) answers a tenant's support request."""
    row = get_or_404(SupportRequest, rid)
    form = answer_form(row, request.form)
    if not form.validate_on_submit():
        return _inbox_page(422, support_forms={rid: form})
    in_scope, in_context = _in_tenant(row.tenant_id)
    try:
        with in_scope, in_context:
            support_actions.answer(row, g.user, form.answer.data, by_hq=True, tell_customer=form.tell_customer.data)
    except support_actions.SupportError as err:
        form.answer.errors = list(form.answer.errors) + [
            support_problem(*(c if isinstance(c, tuple) else (c,))) for c in err.problems.values()]
        return _inbox_page(422, support_forms={rid: form})
    flash(_("The answer went to the tenant."), "success")
    return redirect(url_for("hq.inbox"), code=303)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
