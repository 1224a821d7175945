"""Revisits for tenant staff: the queue, the call form, and the checklist settings."""
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.views import member_choices
from ..htmx import is_htmx, render
from ..tenancy.rules import Permission as P
from . import actions, checklist, queries
from .forms import revisit_form
from .messages import problem_text
from .models import RevisitTask

bp = tenant_blueprint("revisits", __name__)


@bp.app_context_processor
def _labels():
    from ..complaints.forms import SATISFACTION_LABELS
    from . import messages
    return {"revisit_labels": messages, "satisfaction_label": lambda s: SATISFACTION_LABELS.get(s, s),
            "answer_text": messages.answer_text}


@bp.get("/revisits")
@requires(P.REVISIT)
def queue():
    f = queries.QueueFilter.from_args(request.args, g.user.id)
    rows, cursor = queries.queue_page(f)
    members = [] if is_htmx() else member_choices(_("Anyone"))[1:]
    return render("revisits/queue.html", "revisits/_queue.html", rows=rows, cursor=cursor, f=f,
                  args=request.args, members=members)


@bp.route("/revisits/<int:rid>", methods=["GET", "POST"])
@requires(P.REVISIT)
def revisit(rid):
    task = get_or_404(RevisitTask, rid)
    template = checklist.template_for(g.tenant)
    items = checklist.items_of(template)
    form = revisit_form(items, version=task.version, template_version=template.version)
    if request.method == "GET":
        if P.CUSTOMER_FULL in g.permissions:  # the caller sees the customer's phone: log who looked (PIPL)
            from ..customers.actions import viewed
            viewed(g.user, task.complaint.customer_id, task.tenant_id, task.complaint, page="revisit")
        return _page(task, form, items)
    if not form.validate_on_submit():
        return _page(task, form, items, status=422)
    if _int(form.template_version.data) != template.version:
        form.form_errors.append(_("The checklist was changed while you were on the call. Nothing was saved: "
                                  "check the questions below and save again."))
        form.template_version.data = template.version  # the questions shown now; typed answers are kept
        return _page(task, form, items, status=409)
    try:
        actions.record_revisit(task, g.user, form.satisfaction.data, _answers(form, items), form.comment.data,
                               form.attempts.data, form.reached.data == "yes", permissions=g.permissions,
                               expected_version=_int(form.version.data))
    except actions.RevisitError as err:
        _apply(form, err.problems)
        status = 403 if err.problems.get("__all__") == ["not_permitted"] else 422
        return _page(task, form, items, status=status)
    except actions.StaleRevisit as err:
        form.form_errors.append(_("Someone else recorded a call on this revisit meanwhile. Nothing of yours "
                                  "was saved: check its state below."))
        form.version.data = err.current.version
        return _page(err.current, form, items, status=409)
    if is_htmx():
        fresh = revisit_form(items, bound=False, version=task.version, template_version=template.version)
        return _page(task, fresh, items, notice=_("Revisit call recorded."))
    flash(_("Revisit call recorded."), "success")
    return redirect(url_for("revisits.revisit", rid=task.id), code=303)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _answers(form, items) -> dict:
    return {f"item_{i.id}": form[f"item_{i.id}"].data for i in items}


def _apply(form, problems: dict) -> None:
    """Put the domain's refusal reasons on the fields (or on the form as a whole)."""
    for name, codes in problems.items():
        messages = [str(problem_text(c)) for c in codes]
        field = form._fields.get(name) if name != "__all__" else None
        if field is not None:
            field.errors = list(field.errors) + messages
        else:
            form.form_errors = list(form.form_errors) + messages


def _page(task, form, items, status=200, notice=None):
    """The call page, or its #revisit region for HTMX."""
    task = queries.task_with_complaint(task.id)
    return render("revisits/revisit.html", "revisits/_revisit.html", status=status, task=task, c=task.complaint,
                  form=form, items=items, answers=queries.answers_of(task) if not task.is_open else [],
                  notice=notice, **queries.call_context(task.complaint))

from . import settings_views  # noqa: E402,F401  (routes on this blueprint)
