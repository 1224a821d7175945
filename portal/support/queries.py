"""Named reads: a complaint's support requests with their lines; HQ's queue of its tenants' requests."""
from ..complaints.models import Complaint
from ..tenancy.models import Tenant
from .models import PartLine, SupportRequest
from .rules import Status


def _with_lines(rows: list) -> list:
    if rows:
        lines = {}
        for line in PartLine.select().where(PartLine.request.in_([r.id for r in rows])).order_by(PartLine.position):
            lines.setdefault(line.request_id, []).append(line)
        for r in rows:
            r.part_lines = lines.get(r.id, [])
    return rows


def for_complaint(complaint_id: int) -> list[SupportRequest]:
    return _with_lines(list(SupportRequest.select().where(SupportRequest.complaint == complaint_id)
                            .order_by(SupportRequest.id)))


def for_network(status: str = Status.OPEN, limit: int = 200) -> list[SupportRequest]:
    """For HQ views (network scope): requests from its tenants, oldest first, with complaint, tenant and lines."""
    query = (SupportRequest.select(SupportRequest, Complaint, Tenant).join(Complaint)
             .join_from(SupportRequest, Tenant, on=(SupportRequest.tenant == Tenant.id))
             .where(SupportRequest.status == status).order_by(SupportRequest.requested_at).limit(limit))
    return _with_lines(list(query))
