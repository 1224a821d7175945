"""Translated words of the reports: event counts, report kinds, labels for empty groups."""
from flask_babel import lazy_gettext as _l

from ..complaints.messages import GRADE_LABELS

EVENT_COUNT_LABELS = {
    "supervision.issued": _l("Supervision orders issued"), "supervision.warning": _l("Milestone warnings"),
    "early_warning.raised": _l("Early warnings"), "deadline.overdue": _l("Overdue deadline notices"),
    "grade.raised": _l("Grade upgrades"), "crisis.declared": _l("Crises declared"),
    "hq_report.submitted": _l("Written reports to HQ"),
}
REPORT_KINDS = {"monthly": _l("Monthly report"), "general": _l("Quarterly analysis: general complaints"),
                "hot_important": _l("Quarterly analysis: hot and important complaints"),
                "major": _l("Analysis of a major complaint")}


def grade_label(grade: str):
    return GRADE_LABELS.get(grade, grade)


def department_label(name: str):
    return name or _l("No department yet")


def event_count_label(kind: str):
    return EVENT_COUNT_LABELS.get(kind, kind)


def context() -> dict:
    return {"grade_label": grade_label, "department_label": department_label, "event_count_label": event_count_label,
            "report_kinds": REPORT_KINDS}
