"""The tenant admin's settings pages: deadlines and the business calendar."""
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from ..access import requires, tenant_blueprint
from ..db import now
from ..htmx import render
from ..tenancy.rules import Permission as P
from . import coverage, settings
from .calendar import known_years
from .forms import CalendarForm, DeadlinesForm, parse_dates

bp = tenant_blueprint("settings", __name__, "/settings")


def settings_form_page(key: str, form_class, template: str, to_form=None, from_form=None, saved: str | None = None,
                       context=None):
    """A tenant settings page for the group `key`: the form shows the values in force and where each comes
    from; a valid POST saves the overrides (409 with both versions when someone saved meanwhile).

    `to_form`/`from_form` convert between stored values and form data; by default each stored name is a
    field of the same name (strings trimmed). `context(values)` adds template variables about the values in force."""
    values, sources, version = settings.explain(g.tenant, key)
    to_form = to_form or (lambda v: v)
    from_form = from_form or (lambda f: {n: _trimmed(getattr(f, n).data) for n in values})
    extra = context(values) if context else {}
    form = form_class(formdata=request.form if request.method == "POST" else None,
                      data={**to_form(values), "version": version})
    if request.method == "GET" or not form.validate_on_submit():
        return render(template, form=form, sources=sources, status=422 if form.errors else 200, **extra)
    try:
        settings.save(g.tenant, key, from_form(form), g.user, int(form.version.data or 0))
    except settings.StaleSettings:
        form.form_errors.append(_("Someone else changed these settings meanwhile. Nothing was saved; "
                                  "the page shows their values next to yours."))
        return render(template, form=form, sources=sources, current=values, status=409, **extra)
    flash(saved or _("Settings saved."), "success")
    return redirect(request.path, code=303)


def _trimmed(value):
    return value.strip() if isinstance(value, str) else value


@bp.route("/deadlines", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def deadlines():
    names = [n for n in settings.DEFAULTS["deadlines"]]
    return settings_form_page("deadlines", DeadlinesForm, "settings/deadlines.html",
                              from_form=lambda f: {n: getattr(f, n).data for n in names},
                              saved=_("Settings saved. New deadlines use them from now on."))


def _calendar_to_form(v):
    import datetime
    t = lambda s: datetime.time.fromisoformat(s) if s else None  # noqa: E731
    return {"region": v["region"] or "", "work_start": t(v["work_start"]), "work_end": t(v["work_end"]),
            "lunch_start": t(v.get("lunch_start")), "lunch_end": t(v.get("lunch_end")), "weekdays": v["weekdays"],
            "extra_closed": "\n".join(v["extra_closed"]), "extra_working": "\n".join(v["extra_working"])}


def _calendar_from_form(f):
    hhmm = lambda t: t.strftime("%H:%M") if t else None  # noqa: E731
    return {"region": f.region.data or None, "work_start": hhmm(f.work_start.data), "work_end": hhmm(f.work_end.data),
            "lunch_start": hhmm(f.lunch_start.data), "lunch_end": hhmm(f.lunch_end.data),
            "weekdays": sorted(f.weekdays.data), "extra_closed": parse_dates(f.extra_closed.data),
            "extra_working": parse_dates(f.extra_working.data)}


def _calendar_coverage(values):
    """The years ahead that the region's holiday source does not know, and the years it does."""
    cal = settings.calendar_from(values, g.tenant.timezone)
    return {"coverage_gaps": coverage.gaps(cal, now()), "known_years": known_years(cal.region) if cal.region else None}


@bp.route("/calendar", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def calendar():
    return settings_form_page("calendar", CalendarForm, "settings/calendar.html", _calendar_to_form, _calendar_from_form,
                              saved=_("Settings saved. New deadlines use them from now on."),
                              context=_calendar_coverage)


@bp.get("/")
@requires(P.ADMIN_SETTINGS)
def index():
    return redirect(url_for("settings.deadlines"))
