"""Report verbs: save the analysis as a draft, submit the report (its figures are frozen from then on)."""
import json

from .. import events
from ..db import atomic, now
from ..events import EventKind
from . import documents
from .models import Report


class ReportFrozen(Exception):
    """The report was submitted: nothing about it changes any more."""


class StaleReport(Exception):
    """Someone else saved the analysis since the form was shown."""

    def __init__(self, current: Report | None):
        super().__init__("stale")
        self.current = current


def find(kind: str, period: str) -> Report | None:
    """The tenant's report of this kind and period, if anyone wrote one yet."""
    return Report.select().where((Report.kind == kind) & (Report.period == period)).first()


def document(tenant, kind: str, period: str, complaint=None, fresh: bool = True) -> tuple[Report | None, dict]:
    """(report row or None, figures): the frozen snapshot once submitted, live figures before (fresh ones
    for the downloads; the page shows stored ones while they catch up, saying so)."""
    report = find(kind, period)
    if report is not None and report.submitted:
        return report, json.loads(report.snapshot)
    return report, documents.document(tenant, kind, period, complaint, fresh)


def save(tenant, actor, kind: str, period: str, analysis: str, expected_version: int, complaint=None) -> Report:
    """Keep the analysis text as a draft (optimistic locking: version 0 means "none yet")."""
    with atomic():
        row = find(kind, period)
        if row is not None and row.submitted:
            raise ReportFrozen()
        if (row.version if row else 0) != expected_version:
            raise StaleReport(row)
        if row is None:
            row = Report.create(tenant=tenant, kind=kind, period=period, complaint=complaint, analysis=analysis,
                                updated_by=actor)
        else:
            updated = (Report.update(analysis=analysis, updated_at=now(), updated_by=actor, version=Report.version + 1)
                       .where((Report.id == row.id) & (Report.version == expected_version)
                              & (Report.status == "draft")).execute())
            if updated != 1:
                raise StaleReport(find(kind, period))
            row.analysis, row.version = analysis, row.version + 1
        events.record(EventKind.REPORT_SAVED, "report", row.id, actor, tenant=tenant,
                      data={"kind": kind, "period": period})
    return row


def submit(tenant, actor, kind: str, period: str, analysis: str, expected_version: int, complaint=None) -> Report:
    """Send the report up: the figures as they are now and the analysis are frozen in one snapshot."""
    if kind == "monthly":  # stored months brought up to date before the transaction: seconds for a busy month
        documents.document(tenant, kind, period)
    with atomic():
        row = save(tenant, actor, kind, period, analysis, expected_version, complaint)
        submitted_at = now()
        snapshot = {**documents.document(tenant, kind, period, complaint), "analysis": analysis,
                    "submitted_at": documents.local(submitted_at, tenant.timezone), "submitted_by": actor.name}
        Report.update(status="submitted", snapshot=json.dumps(snapshot, ensure_ascii=False), submitted_at=submitted_at,
                      submitted_by=actor, version=Report.version + 1).where(Report.id == row.id).execute()
        events.record(EventKind.REPORT_SUBMITTED, "report", row.id, actor, tenant=tenant,
                      data={"kind": kind, "period": period})
    return Report.get_by_id(row.id)
