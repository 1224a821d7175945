"""Support requests from the complaint page, and their answer by the tenant."""
from flask import g, request

from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.models import Complaint
from ..complaints.views import done, render_detail
from ..tenancy.rules import Permission as P
from . import actions
from .forms import AnswerForm, RequestForm
from .messages import problem_text
from .models import SupportRequest

bp = tenant_blueprint("support", __name__, "/support")


@bp.app_context_processor
def _labels():
    from . import messages
    return {"support_labels": messages}


def _may_ask():
    from flask import abort
    if not {P.COMPLAINT_PLAN, P.COMPLAINT_INVESTIGATE} & g.permissions:
        abort(403)


def put_problems(form, problems: dict) -> None:
    """Domain refusals onto the form: per line field, or on the lines / the form as a whole."""
    for name, (code, values) in problems.items():
        text = problem_text(code, values)
        if name.startswith("lines-"):
            _, index, field = name.split("-", 2)
            target = getattr(form.lines.entries[int(index)].form, field)
            target.errors = list(target.errors) + [text]
        elif name in ("description", "answer"):
            getattr(form, name).errors = list(getattr(form, name).errors) + [text]
        else:
            form.form_errors = list(getattr(form, "form_errors", [])) + [text]


@bp.post("/complaints/<int:cid>/requests")
@requires(P.COMPLAINT_VIEW)
def create(cid):
    """Ask the parts centre (up to 6 lines) or technical support; refusals say exactly what is wrong."""
    _may_ask()
    complaint = get_or_404(Complaint, cid)
    form = RequestForm()
    from ..complaints.files import check_uploads
    files = request.files.getlist("attachments")
    valid = form.validate_on_submit()
    form.attachments.errors = list(form.attachments.errors) + check_uploads(files)
    if valid and not form.attachments.errors:
        try:
            actions.request(complaint, g.user, form.kind.data, description=form.description.data,
                            lines=form.line_data(), files=files)
            return done(complaint)
        except actions.SupportError as err:
            put_problems(form, err.problems)
    return render_detail(complaint, status=422, support_form=form)


@bp.post("/<int:rid>/answer")
@requires(P.COMPLAINT_VIEW)
def answer(rid):
    _may_ask()
    row = get_or_404(SupportRequest, rid)
    complaint = get_or_404(Complaint, row.complaint_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            actions.answer(row, g.user, form.answer.data, tell_customer=form.tell_customer.data)
            return done(complaint)
        except actions.SupportError as err:
            put_problems(form, err.problems)
    return render_detail(complaint, status=422, answer_forms={row.id: form})


@bp.app_template_global()
def new_support_form():
    return RequestForm(formdata=None)


@bp.app_template_global()
def new_answer_form():
    return AnswerForm(formdata=None)
