"""The tenant admin's settings for supervision, the early-warning chain, approvals and crisis handling.

Each group is a settings group (`sla.settings`), saved on its own with its own version.
"""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import requires
from ..approvals import rules as approval_rules
from ..complaints.messages import GRADE_LABELS
from ..htmx import render
from ..sla import settings
from ..tenancy.models import Role
from ..tenancy.rules import Permission as P
from . import rules
from .messages import CHAIN_FLAGS, TARGETS
from .views import bp

KIND_NAMES = {"crisis_plan": _l("Crisis plan"), "downgrade": _l("Downgrade")}


def _specs() -> dict:
    """group -> [(key, label, type)]; types: int, bool, grades, roles, role, route, targets."""
    routes = [(f"{kind}_{grade}", _l("%(what)s of a %(grade)s complaint", what=KIND_NAMES[kind],
                                     grade=GRADE_LABELS[grade]), "route")
              for kind in ("crisis_plan", "downgrade") for grade in approval_rules.GRADES]
    return {
        "supervision": [
            ("auto_grades", _l("Issue an order automatically when a complaint becomes"), "grades"),
            ("auto_on_crisis", _l("Issue an order automatically for a crisis event"), "bool"),
            ("plan_days", _l("Automatic milestone: the department's plan (working days)"), "int"),
            ("implement_days", _l("Automatic milestone: the solution carried out (working days)"), "int"),
            ("follow_up_days", _l("Customer service follows up every (working days)"), "int"),
            ("due_soon_hours", _l("\"Due soon\" on the board (working hours before)"), "int"),
            ("copy_roles", _l("Customer-service supervisors copied on warnings"), "roles")],
        "warning_chain": [(flag, CHAIN_FLAGS[flag], "targets") for flag in rules.CHAIN_FLAGS],
        "approvals": routes,
        "crisis": [("leader_role", _l("Crisis team leader by default"), "role"),
                   ("legal_roles", _l("Suspected defamation goes to"), "roles"),
                   ("notify_roles", _l("Told at once when a crisis is declared"), "roles")],
    }


def _options(roles) -> dict:
    role_keys = [(r.key, r.name) for r in roles]
    return {"roles": role_keys, "grades": [(k, GRADE_LABELS[k]) for k in approval_rules.GRADES],
            "route": [("hq", _("Headquarters (decision committee)")),
                      ("permission:approval.decide", _("The leader in charge (anyone who approves plans)"))]
            + [(f"role:{k}", n) for k, n in role_keys],
            "targets": [("dept_leader", TARGETS["dept_leader"]), ("hq", TARGETS["hq"])]
            + [(f"role:{k}", n) for k, n in role_keys]}


def _parse(spec, form, options) -> tuple[dict, dict]:
    """Typed values from the posted form, and problems (key -> message)."""
    values, problems = {}, {}
    for key, _label, kind in spec:
        if kind == "int":
            raw = form.get(key, "").strip()
            if not raw.isdigit() or not 1 <= int(raw) <= 365:
                problems[key] = _("Enter a whole number from 1 to 365.")
            values[key] = int(raw) if raw.isdigit() else raw
        elif kind == "bool":
            values[key] = form.get(key) == "y"
        elif kind == "role" or kind == "route":
            allowed = {v for v, _n in options["roles" if kind == "role" else "route"]}
            values[key] = form.get(key, "")
            if values[key] not in allowed:
                problems[key] = _("Choose from the list.")
        else:
            allowed = {v for v, _n in options[kind]}
            values[key] = [v for v in form.getlist(key) if v in allowed]
    return values, problems


@bp.route("/settings", methods=["GET"])
@requires(P.ADMIN_SETTINGS)
def settings_page():
    return _page()


def _page(status=200, **extra):
    from ..crisis import actions as _crisis  # noqa: F401  (registers the crisis settings defaults)
    groups = {name: settings.explain(g.tenant, name) for name in _specs()}
    return render("supervision/settings.html", specs=_specs(), groups=groups,
                  options=_options(list(Role.select().order_by(Role.name))), status=status, **extra)


@bp.post("/settings/<group>")
@requires(P.ADMIN_SETTINGS)
def save_settings(group):
    specs = _specs()
    if group not in specs:
        abort(404)
    options = _options(list(Role.select().order_by(Role.name)))
    values, problems = _parse(specs[group], request.form, options)
    if problems:
        return _page(status=422, problems={group: problems}, typed={group: values})
    try:
        version = int(request.form.get("version", "0"))
        settings.save(g.tenant, group, values, g.user, version)
    except (ValueError, settings.StaleSettings):
        return _page(status=409, problems={group: {"__all__": _("Someone else changed these settings meanwhile. "
                                                                   "Nothing was saved.")}}, typed={group: values})
    flash(_("Settings saved."), "success")
    return redirect(url_for("supervision.settings_page") + f"#{group}", code=303)
