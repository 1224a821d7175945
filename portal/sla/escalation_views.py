"""Escalation settings with a live preview of which open complaints would change grade."""
import datetime

from flask import flash, g, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..access import requires
from ..complaints.models import Complaint, Customer
from ..complaints.rules import ELSEWHERE, OPEN_STATES, Kind
from ..db import now
from ..htmx import render
from ..tenancy.rules import Permission as P
from . import escalation, grading, settings
from .settings_views import bp

NUMBERS = ["cluster_size", "cluster_window_days", "collective_hot", "collective_major", "unresolved_hot_days",
           "unresolved_major_days", "batch_percent"]
LABELS = {
    "cluster_size": _l("Different complainants about one category that make it hot"),
    "cluster_window_days": _l("… within this many days"),
    "collective_hot": _l("Collective complaint size that makes it hot"),
    "collective_major": _l("Collective complaint size that makes it major"),
    "unresolved_hot_days": _l("Days unresolved on our side before it is hot"),
    "unresolved_major_days": _l("Days unresolved on our side before it is major"),
    "batch_percent": _l("Share of a batch (%) that makes a batch quality incident"),
    "keywords_major": _l("Words that make it major"), "keywords_hot": _l("Words that make it hot"),
    "keywords_crisis": _l("Words for harm (crisis)"), "keywords_compensation": _l("Words for compensation claims"),
    "keywords_report": _l("Words that require a written report to HQ"),
}
PROBLEMS = {
    "not_a_whole_number": _l("Enter a whole number."), "must_be_positive": _l("Must be at least 1."),
    "at_least_two": _l("Must be at least 2."), "hot_must_be_below_major": _l("Must be below the value for major."),
    "not_a_number": _l("Enter a number."), "percent_out_of_range": _l("Enter a percentage above 0 and at most 100."),
    "keyword_blank": _l("Remove the empty word."), "keywords_required": _l("At least one word is required."),
}
PREVIEW_LIMIT = 300


def _typed(form) -> tuple[dict, dict]:
    """(values, problems) from the posted form, without raising on bad numbers."""
    values, problems = {}, {}
    for name in NUMBERS:
        raw = form.get(name, "").strip()
        try:
            values[name] = float(raw) if name == "batch_percent" else int(raw)
        except ValueError:
            problems[name] = "not_a_number" if name == "batch_percent" else "not_a_whole_number"
    for name in grading.KEYWORD_LISTS:
        values[name] = list(grading.parse_keywords(form.get(name, "")))
    if not problems:
        problems = grading.validate(grading.Thresholds.from_dict(values))
    return values, problems


@bp.route("/escalation", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def escalation_settings():
    stored, sources, version = settings.explain(g.tenant, "escalation")
    if request.method == "GET":
        return _page(stored, {}, sources, version)
    values, problems = _typed(request.form)
    if problems:
        return _page(values, problems, sources, version, status=422, raw=request.form)
    try:
        settings.save(g.tenant, "escalation", values, g.user, int(request.form.get("version") or 0))
    except settings.StaleSettings:
        return _page(values, {"__all__": "stale"}, sources, version, status=409, raw=request.form)
    flash(_("Escalation settings saved. The next sweep applies them."), "success")
    return redirect(request.path, code=303)


def _page(values, problems, sources, version, status=200, raw=None):
    messages = {k: (_("Someone else changed these settings meanwhile. Nothing was saved.") if v == "stale"
                    else str(PROBLEMS.get(v, v))) for k, v in problems.items()}
    shown = {k: (raw.get(k) if raw is not None else ("\n".join(v) if isinstance(v, list) else v))
             for k, v in values.items()}
    return render("settings/escalation.html", values=shown, problems=messages, sources=sources, version=version,
                  field_labels=LABELS, numbers=NUMBERS, keyword_lists=grading.KEYWORD_LISTS, status=status)


@bp.post("/escalation/preview")
@requires(P.ADMIN_SETTINGS)
def escalation_preview():
    """Which open complaints would change grade or flags with the values being typed (not saved)."""
    values, problems = _typed(request.form)
    changes = [] if problems else preview(grading.Thresholds.from_dict(values))
    return render("settings/_escalation_preview.html", "settings/_escalation_preview.html", changes=changes,
                  invalid=bool(problems), limit=PREVIEW_LIMIT)


def preview(t: grading.Thresholds, at=None) -> list[dict]:
    """Open complaints (newest PREVIEW_LIMIT) whose grade or flags the thresholds would change."""
    at = at or now()
    candidates = list(Complaint.select(Complaint, Customer.phone).join(Customer, on=(Complaint.customer == Customer.id))
                      .where(Complaint.status.in_(list(OPEN_STATES)) & (Complaint.kind == Kind.COMPLAINT))
                      .order_by(Complaint.id.desc()).limit(PREVIEW_LIMIT))
    if not candidates:
        return []
    since = min(c.received_at for c in candidates) - datetime.timedelta(days=t.cluster_window_days)
    pool = [escalation.facts(c, c.customer.phone, at) for c in
            Complaint.select(Complaint, Customer.phone).join(Customer, on=(Complaint.customer == Customer.id))
            .where((Complaint.received_at >= since) & (Complaint.kind == Kind.COMPLAINT)
                   & Complaint.status.not_in(sorted(ELSEWHERE))).limit(20000)]
    changes = []
    for c in candidates:
        findings = grading.evaluate(escalation.facts(c, c.customer.phone, at), pool, t, at)
        new = grading.target_grade(c.grade, findings)
        flags = set().union(*(f.flags for f in findings)) if findings else set()
        if new != c.grade or ("crisis" in flags and not c.crisis) or ("hq_report" in flags and not c.report_required):
            changes.append({"complaint": c, "grade": new, "flags": sorted(flags),
                            "findings": [f.as_data() for f in grading.upgrade_reasons(c.grade, findings) or findings]})
    return changes
