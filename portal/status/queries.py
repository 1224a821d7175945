"""Named read queries of the status link, for other areas (the monthly report counts urges)."""
from peewee import fn

from ..events import Event, EventKind


def urges_between(start, end) -> int:
    """How many times customers urged (催办) in [start, end), in the current scope (tenant or network)."""
    return (Event.select(fn.COUNT(Event.id))
            .where((Event.kind == str(EventKind.COMPLAINT_URGED)) & (Event.at >= start) & (Event.at < end))
            .scalar())


def urged_complaints_between(start, end) -> int:
    """How many complaints were urged at least once in [start, end)."""
    return (Event.select(fn.COUNT(fn.DISTINCT(Event.subject_id)))
            .where((Event.kind == str(EventKind.COMPLAINT_URGED)) & (Event.at >= start) & (Event.at < end))
            .scalar())
