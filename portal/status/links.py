"""Turning a complaint into its status link and a token back into its complaint.

`resolve` is the only door from a token to tenant data: it loads the complaint in the system
scope by the id the token names, and answers only when the token's HMAC matches the current
link version, the link has not expired and the tenant is active. Unknown, revoked and expired
tokens take the same queries and the same comparison, so their answers cannot be told apart.
"""
from dataclasses import dataclass

from flask import current_app

from ..complaints.models import Complaint, Customer
from ..db import now
from ..scope import SYSTEM, scoped
from ..sla import settings
from ..tenancy.models import Tenant, TenantStatus
from ..urls import external_url
from . import rules, tokens

SETTINGS = "customer_link"
settings.register_defaults(SETTINGS, rules.SETTINGS_DEFAULTS)

@dataclass(frozen=True)
class Opened:
    """A complaint opened through a valid link, with its tenant, customer and link settings.

    `complaint` is the whole row for a form's verbs; a view (`resolve(..., whole=False)`) gets only the
    columns in SHOWN, which are what `status.page.build` reads.
    """

    complaint: Complaint
    tenant: Tenant
    customer: Customer
    settings: dict


# The complaint's columns the customer's page reads: a view builds the SQL of 8 columns, not of 43.
SHOWN = (Complaint.id, Complaint.tenant, Complaint.customer, Complaint.number, Complaint.status,
         Complaint.reply_due_at, Complaint.closed_at, Complaint.link_version)


def _key() -> bytes:
    # A secret of its own keeps printed links working when the session secret is rotated.
    return tokens.link_key(current_app.config.get("STATUS_LINK_SECRET") or current_app.config["SECRET_KEY"])


def token_for(complaint) -> str:
    return tokens.make(_key(), complaint.id, complaint.link_version)


def url_for_complaint(complaint) -> str:
    """The absolute link (KESU_PUBLIC_URL) for e-mails, receipts and QR codes."""
    return external_url("status.page", token=token_for(complaint))


def link_settings(tenant) -> dict:
    return settings.load(tenant, SETTINGS)


def expires_at(complaint, cfg: dict):
    return rules.expires_at(complaint.closed_at, cfg["expiry_days"])


def resolve(token: str, at=None, whole: bool = True) -> Opened | None:
    """The complaint a valid, current, unexpired token opens (only its SHOWN columns unless `whole`); None
    for every other token.

    Every token runs the same three reads: the complaint its id names with its tenant and customer (none
    for an unknown id), and every stored setting of that tenant (of tenant 0 for an unknown id) read
    afresh, not from what this request read before, so a refusal's cost does not depend on its reason.
    The page's later settings reads (the calendar) come from those.
    """
    cid = tokens.complaint_id(token)
    with scoped(SYSTEM):
        complaint = (Complaint.select(*((Complaint,) if whole else SHOWN), Tenant, Customer)
                     .join(Tenant, on=(Complaint.tenant == Tenant.id))
                     .join_from(Complaint, Customer, on=(Complaint.customer == Customer.id))
                     .where(Complaint.id == cid).first())
        tenant = complaint.tenant if complaint else Tenant(id=0, network=0)
        cfg = settings.load(tenant, SETTINGS, fresh=True)
    version = complaint.link_version if complaint else 0
    current = tokens.matches(_key(), token, cid, version)
    expired = rules.is_expired(complaint and complaint.closed_at, cfg["expiry_days"], at or now())
    if (complaint is None or not current or expired or tenant.status != TenantStatus.ACTIVE
            or complaint.customer.erased_at is not None):
        return None
    return Opened(complaint=complaint, tenant=tenant, customer=complaint.customer, settings=cfg)
