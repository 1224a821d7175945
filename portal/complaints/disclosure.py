"""What the customer may see of a complaint. The one place that decides it (DOMAIN.md §3).

Only events explicitly marked public reach the customer, and of those only whitelisted
fields: the step they moved to (as a plain-words label), the text of a published note, and
the solution of a plan put to them. Internal notes, investigation findings, cause analyses,
staff names and internal fields never appear.
"""
from .rules import CUSTOMER_LABELS, Status

# event kind -> function(data, after) -> public entry fields, or None to show nothing
_PUBLIC_FIELDS = {
    "complaint.received": lambda data, after: {"step": CUSTOMER_LABELS[Status.RECEIVED]},
    "complaint.moved": lambda data, after: _moved(data, after),
    "note.added": lambda data, after: {"text": (data or {}).get("body", "")} if (data or {}).get("body") else None,
    "attachment.added": lambda data, after: {"file": (data or {}).get("filename", "")},
    "complaint.merged": lambda data, after: {"merged_into": (data or {}).get("into_number")},
    "clock.paused": lambda data, after: {"waiting_for": (data or {}).get("reason")},
}


def _moved(data, after):
    status = (after or {}).get("status")
    if status not in CUSTOMER_LABELS:
        return None
    entry = {"step": CUSTOMER_LABELS[status]}
    if status == Status.PLAN_PROPOSED and (data or {}).get("solution"):
        entry["solution"] = data["solution"]
    return entry


def public_timeline(events) -> list[dict]:
    """The customer's timeline: public events only, whitelisted fields only, oldest first."""
    entries = []
    for event in events:
        if not event.public or event.kind not in _PUBLIC_FIELDS:
            continue
        fields = _PUBLIC_FIELDS[event.kind](event.loaded("data"), event.loaded("after"))
        if fields:
            entries.append({"at": event.at, **fields})
    return entries
