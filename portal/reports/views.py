"""The tenant's reports: the monthly report, the quarterly analyses, a page per major complaint."""
import tempfile
import time
from datetime import date

import click

from flask import Response, abort, flash, g, redirect, request, send_file, stream_with_context, url_for
from flask_babel import gettext as _

from .. import scope
from ..access import get_or_404, requires, tenant_blueprint
from ..complaints.models import Complaint
from ..complaints.rules import Grade
from ..db import now
from ..htmx import render
from ..tenancy.rules import Permission as P
from . import actions, background, charts, documents, exports, rules
from .forms import AnalysisForm
from .rules import Period

bp = tenant_blueprint("reports", __name__, "/reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
TEMPLATES = {"monthly": "reports/monthly.html", "general": "reports/quarterly.html",
             "hot_important": "reports/quarterly.html", "major": "reports/major.html"}


def local_today():
    return documents.local(now(), g.tenant.timezone)[:10]


def period_arg(name: str, default: Period, months: int) -> Period:
    """The period in the query string (404 for nonsense), else the default."""
    if not request.args.get(name):
        return default
    try:
        period = Period.parse(request.args[name])
    except ValueError:
        abort(404)
    if period.months != months:
        abort(404)
    return period


def last_month() -> Period:
    return Period.month_of(date.fromisoformat(local_today())).shift(-1)


def document(kind: str, period: str, complaint=None, fresh: bool = True):
    """The current tenant's report and figures (see actions.document)."""
    return actions.document(g.tenant, kind, period, complaint, fresh)


def page(kind: str, period: str, complaint=None, form=None, status=200, **extra):
    report, doc = document(kind, period, complaint, fresh=False)
    if form is None:
        form = AnalysisForm(formdata=None, analysis=report.analysis if report else "",
                            version=str(report.version if report else 0))
    url = (url_for("reports.major_analysis", cid=complaint.id) if kind == "major"
           else url_for("reports.analysis", kind=kind, period=period))
    return render(TEMPLATES[kind], doc=doc, report=report, form=form, charts=charts, status=status,
                  period=Period.parse(doc["period"]) if kind != "major" else None, analysis_url=url,
                  large=kind == "monthly" and background.is_large(doc), **extra)


@bp.get("/monthly")
@requires(P.REPORTS_VIEW)
def monthly():
    return page("monthly", period_arg("month", last_month(), 1).label)


@bp.get("/quarterly/<any(general, hot_important):group>")
@requires(P.REPORTS_VIEW)
def quarterly(group):
    default = Period.quarter_of(date.fromisoformat(local_today())).shift(-1)  # the last complete quarter
    return page(group, period_arg("quarter", default, 3).label)


@bp.get("/major/<int:cid>")
@requires(P.REPORTS_VIEW)
def major(cid):
    complaint = _major(cid)
    return page("major", str(complaint.id), complaint)


def _major(cid):
    complaint = get_or_404(Complaint, cid)
    if complaint.grade != Grade.MAJOR and actions.find("major", str(complaint.id)) is None:
        abort(404)  # an analysis written while it was major stays readable after a downgrade
    return complaint


def back_to(kind: str, period: str) -> str:
    if kind == "monthly":
        return url_for("reports.monthly", month=period)
    if kind == "major":
        return url_for("reports.major", cid=int(period))
    return url_for("reports.quarterly", group=kind, quarter=period)


@bp.post("/<any(monthly, general, hot_important):kind>/<period>/analysis")
@requires(P.REPORTS_SUBMIT)
def analysis(kind, period):
    try:
        parsed = Period.parse(period)
    except ValueError:
        abort(404)
    if (parsed.months == 1) != (kind == "monthly"):
        abort(404)
    return post_analysis(kind, parsed.label)


@bp.post("/major/<int:cid>/analysis")
@requires(P.REPORTS_SUBMIT)
def major_analysis(cid):
    complaint = _major(cid)
    return post_analysis("major", str(complaint.id), complaint)


def post_analysis(kind: str, period: str, complaint=None):
    form = AnalysisForm()
    valid = form.validate_on_submit()
    if valid and form.submit.data and not (form.analysis.data or "").strip():
        form.analysis.errors = [_("Write the analysis and corrective actions before submitting.")]
        valid = False
    if not valid:
        return page(kind, period, complaint, form=form, status=422)
    verb = actions.submit if form.submit.data else actions.save
    try:
        verb(g.tenant, g.user, kind, period, form.analysis.data or "", int(form.version.data or 0), complaint)
    except actions.ReportFrozen:
        flash(_("This report was submitted already and can no longer change."), "warning")
        return redirect(back_to(kind, period), code=303)
    except actions.StaleReport as stale:
        form.form_errors = [_("Someone else saved this analysis meanwhile. Nothing was saved; their text is "
                              "shown below yours.")]
        form.version.data = str(stale.current.version if stale.current else 0)
        return page(kind, period, complaint, form=form, status=409, current=stale.current)
    flash(_("Report submitted to headquarters. Its figures are now frozen.") if form.submit.data
          else _("Draft saved."), "success")
    return redirect(back_to(kind, period), code=303)


@bp.get("/monthly.xlsx")
@requires(P.REPORTS_VIEW)
def monthly_xlsx():
    period = period_arg("month", last_month(), 1)
    _, doc = document("monthly", period.label)
    if background.is_large(doc):  # too big to write while the browser waits: the page offers the worker's
        return redirect(url_for("reports.monthly", month=period.label), code=303)
    out = tempfile.TemporaryFile()  # a zip needs a seekable file; send_file closes (and so deletes) it
    try:
        exports.xlsx(doc, documents.export_rows(g.tenant, period), g.tenant.timezone, out)
    except BaseException:
        out.close()
        raise
    size = out.tell()
    out.seek(0)
    response = send_file(out, mimetype=XLSX, as_attachment=True,
                         download_name=f"kesu-{g.tenant.slug}-{period.label}.xlsx")
    response.content_length = size
    return response


@bp.post("/monthly.xlsx/prepare")
@requires(P.REPORTS_VIEW)
def prepare_xlsx():
    """A big month's XLSX, asked of the worker (the same job while one for the month is under way)."""
    period = period_arg("month", last_month(), 1)
    job = background.start(g.tenant, g.user, period)
    return redirect(url_for("reports.export_status", job=job["token"]), code=303)


@bp.get("/exports/<job>")
@requires(P.REPORTS_VIEW)
def export_status(job):
    """"Being prepared" (the fragment polls every 3 s), then the download link."""
    found = _job(job)
    return render("reports/export.html", "reports/_export.html", job=found)


@bp.get("/exports/<job>/download")
@requires(P.REPORTS_VIEW)
def export_file(job):
    found = _job(job)
    if found["status"] != background.DONE:
        abort(404)
    return send_file(background.file_path(found), mimetype=XLSX, as_attachment=True, max_age=0,
                     download_name=f"kesu-{g.tenant.slug}-{found['month']}.xlsx")


def _job(token: str) -> dict:
    """The current tenant's export job named by the token; 404 for another tenant's, an expired or a made-up one."""
    found = background.load(g.tenant.id, token)
    if found is None:
        abort(404)
    return found


@bp.get("/monthly.csv")
@requires(P.REPORTS_VIEW)
def monthly_csv():
    period = period_arg("month", last_month(), 1)
    if request.args.get("part") == "complaints":
        rows = documents.export_rows(g.tenant, period)
        response = Response(_streamed(exports.complaints_csv(rows, g.tenant.timezone)), mimetype=CSV)
        return _attachment(response, f"kesu-{g.tenant.slug}-{period.label}-complaints.csv")
    _, doc = document("monthly", period.label)
    return _attachment(Response(exports.summary_csv(doc), mimetype=CSV), f"kesu-{g.tenant.slug}-{period.label}.csv")


def _streamed(chunks):
    """The body, read after the view returned: Flask pushes the request context again for it, but the tenant
    scope was left at the request's end, so the body takes the scope along."""
    within = scope.current()

    def body():
        with scope.scoped(within):
            yield from chunks
    return stream_with_context(body())


def _attachment(response, name: str):
    """Downloaded, as send_file answers: an attachment with its file name, not kept in caches."""
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.cache_control.no_cache = True
    return response


@bp.app_context_processor
def _report_words():
    from . import messages
    return messages.context()


@bp.cli.command("warm")
@click.option("--months", default=13, show_default=True, help="how many months, up to the current one")
def warm(months):
    """Compute and store every active tenant's months now (after deploying, before a load test): the
    report pages would otherwise compute them at their first view."""
    from ..db import database
    from ..i18n import DEFAULT_TZ
    from ..scope import SYSTEM, scoped
    from ..tenancy.models import Tenant
    from . import queries, store
    started = time.perf_counter()
    with database.connection_context(), scoped(SYSTEM):
        tenants = [t for t in Tenant.select() if t.active]
        current = Period.month_of(date.fromisoformat(documents.local(now(), DEFAULT_TZ)[:10]))
        stored = store.months(tenants, rules.trailing_months(current, months), queries.calendars(tenants))
    click.echo(f"{len(stored)} months of {len(tenants)} tenants in {time.perf_counter() - started:.1f} s")
