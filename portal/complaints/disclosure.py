"""What the customer may see of a complaint. The one place that decides it (DOMAIN.md §3).

Only events explicitly marked public reach the customer, and of those only whitelisted
fields: the step they moved to (as a plain-words label), the text of a published note, the
solution of a plan put to them, and the company and number a redirected work order continues under. Internal notes, investigation findings, cause analyses,
staff names and internal fields never appear.
"""
from .rules import CUSTOMER_LABELS, Status

_PAUSE_REASONS = frozenset({"customer", "parts", "outside"})  # "internal" pauses are not public

# event kind -> function(data, after) -> public entry fields, or None to show nothing
_PUBLIC_FIELDS = {
    "complaint.received": lambda data, after: {"step": CUSTOMER_LABELS[Status.RECEIVED]},
    "complaint.moved": lambda data, after: _moved(data, after),
    "note.added": lambda data, after: {"text": (data or {}).get("body", "")} if (data or {}).get("body") else None,
    "attachment.added": lambda data, after: {"file": (data or {}).get("filename", "")},
    "complaint.merged": lambda data, after: {"merged_into": (data or {}).get("into_number")},
    "clock.paused": lambda data, after: _paused(data),
    "complaint.urged": lambda data, after: {"urged": True},
}


def _paused(data):
    reason = (data or {}).get("reason")  # a code; the pause note is internal
    return {"waiting_for": reason} if reason in _PAUSE_REASONS else None


def _moved(data, after):
    status = (after or {}).get("status")
    if status not in CUSTOMER_LABELS:
        return None
    entry = {"step": CUSTOMER_LABELS[status]}
    if status == Status.PLAN_PROPOSED and (data or {}).get("solution"):
        entry["solution"] = data["solution"]
    if status == Status.REDIRECTED and (data or {}).get("to_number"):  # never the reason: it is internal
        entry.update(passed_to=data.get("to_tenant") or "", follow=data["to_number"])
    return entry


def _by(event, staff_names: bool):
    """Who took the step, as the customer may see it: "customer", a staff name if the tenant allows, or None."""
    if event.actor_id is None:
        return "customer" if event.actor_label == "customer" else None
    return event.actor_label if staff_names else None


def public_timeline(events, staff_names: bool = False) -> list[dict]:
    """The customer's timeline: public events only, whitelisted fields only, oldest first.

    Staff names appear only when `staff_names` (a tenant setting) allows it.
    """
    entries = []
    for event in events:
        if not event.public or event.kind not in _PUBLIC_FIELDS:
            continue
        fields = _PUBLIC_FIELDS[event.kind](event.loaded("data"), event.loaded("after"))
        if fields:
            entries.append({"at": event.at, **fields, "by": _by(event, staff_names)})
    return entries
