"""The outbox viewer for tenant admins."""
from ..access import requires, tenant_blueprint
from ..htmx import render
from ..tenancy.rules import Permission
from .models import OutboxMessage

bp = tenant_blueprint("outbox", __name__, "/admin/outbox")


@bp.get("/")
@requires(Permission.ADMIN_AUDIT)
def index():
    messages = OutboxMessage.select().order_by(OutboxMessage.id.desc()).limit(100)
    return render("notify/outbox.html", messages=messages)
