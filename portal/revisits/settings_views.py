"""The tenant admin's revisit settings: the checklist template (add, edit, reorder, remove) and retries."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import requires
from ..htmx import render
from ..sla import settings as sla_settings
from ..tenancy.rules import Permission as P
from . import checklist
from .forms import AddItemForm, ItemForm, RevisitSettingsForm
from .messages import problem_text
from .views import _apply, _int, bp

STALE = "Someone else changed the checklist meanwhile. Nothing was saved; the list below is the current one."


@bp.route("/settings/revisit", methods=["GET", "POST"], endpoint="settings")
@requires(P.ADMIN_SETTINGS)
def settings_page():
    template = checklist.template_for(g.tenant)
    if request.method == "GET":
        return _page(template)
    op = request.form.get("op", "")
    if op == "numbers":
        return _numbers(template)
    if op not in ("add", "edit", "up", "down", "remove"):
        abort(400)
    item_id = _int(request.form.get("item")) or 0
    form = AddItemForm(prefix="new") if op == "add" else ItemForm(prefix=f"i{item_id}")
    expected = _int(request.form.get("version"))
    try:
        if op in ("add", "edit") and not form.validate_on_submit():
            return _page(template, forms={item_id: form}, status=422)
        if op == "add":
            checklist.add_item(g.tenant, g.user, form.section.data, form.text.data, form.required.data,
                               form.answer_type.data, expected)
        elif op == "edit":
            checklist.edit_item(g.tenant, g.user, item_id, form.text.data, form.required.data, form.answer_type.data,
                                expected)
        elif op == "remove":
            checklist.remove_item(g.tenant, g.user, item_id, expected)
        else:
            checklist.move_item(g.tenant, g.user, item_id, op, expected)
    except checklist.ChecklistError as err:
        _apply(form, err.problems)
        return _page(template, forms={item_id: form}, status=422)
    except checklist.StaleChecklist:
        return _page(checklist.template_for(g.tenant), forms={item_id: form}, status=409, error=_(STALE))
    return _saved(_("Checklist saved. Revisits from now on ask these questions; past revisits keep theirs."))


def _saved(message: str):
    if request.headers.get("HX-Request") == "true":
        return _page(checklist.template_for(g.tenant), notice=message)
    flash(message, "success")
    return redirect(url_for("revisits.settings"), code=303)


def _numbers(template):
    form = RevisitSettingsForm()
    if not form.validate_on_submit():
        return _page(template, numbers_form=form, status=422)
    try:
        sla_settings.save(g.tenant, "revisits", {"max_unreachable": form.max_unreachable.data,
                                             "retry_working_hours": form.retry_working_hours.data},
                      g.user, _int(form.version.data) or 0)
    except sla_settings.StaleSettings:
        form.form_errors.append(_("Someone else changed these settings meanwhile. Nothing was saved."))
        return _page(template, numbers_form=form, status=409)
    return _saved(_("Settings saved."))


def _page(template, forms=None, numbers_form=None, status=200, error=None, notice=None):
    """The settings page, or its #revisit-settings region for HTMX."""
    items = checklist.items_of(template)
    forms = forms or {}
    rows = [(item, forms.get(item.id) or ItemForm(prefix=f"i{item.id}", formdata=None, text=item.text,
                                                   required=item.required, answer_type=item.answer_type))
            for item in items]
    add_form = forms.get(0) or AddItemForm(prefix="new", formdata=None, required=True)
    if numbers_form is None:
        values, _sources, version = sla_settings.explain(g.tenant, "revisits")
        numbers_form = RevisitSettingsForm(formdata=None, data={**values, "version": version})
    return render("revisits/settings.html", "revisits/_settings.html", status=status, template=template,
                  rows=rows, add_form=add_form, numbers_form=numbers_form, error=error, notice=notice,
                  problem_text=problem_text)
