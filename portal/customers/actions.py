"""Customer privacy verbs: logging who saw a customer in full, exporting everything about them."""
from .. import events
from ..db import atomic
from ..events import EventKind
from . import export


def viewed(actor, customer_id: int, tenant_id: int, complaint=None, page: str = "complaint") -> None:
    """Log that `actor` saw a customer unmasked (on a complaint's page, or the customer's): one insert,
    no personal data in it."""
    data = {"page": page, **({"complaint": complaint.id, "number": complaint.number} if complaint else {})}
    with atomic():
        events.record(EventKind.CUSTOMER_VIEWED, "customer", customer_id, actor, tenant=tenant_id, data=data)


def exported(customer, tenant, actor, fmt: str) -> tuple[dict, list]:
    """Everything about the customer (and the files to pack), with an event saying who took it."""
    with atomic():
        document, packed = export.collect(customer, tenant)
        events.record(EventKind.CUSTOMER_EXPORTED, "customer", customer.id, actor, tenant=tenant,
                      data={"format": fmt, "complaints": len(document["complaints"]), "files": len(packed)})
    return document, packed
