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
    """A complaint opened through a valid link, with its tenant, customer and link settings."""

    complaint: Complaint
    tenant: Tenant
    customer: Customer
    settings: dict


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


def resolve(token: str, at=None) -> Opened | None:
    """The complaint a valid, current, unexpired token opens; None for every other token.

    The check reads a few plain columns (no row objects to build) and the link settings of the
    tenant (of tenant 0 for an unknown id), so an unknown id costs what a known one does.
    """
    cid = tokens.complaint_id(token)
    with scoped(SYSTEM):
        row = (Complaint.select(Complaint.link_version, Complaint.closed_at, Tenant.id, Tenant.network, Tenant.status,
                                Customer.erased_at)
               .join(Tenant, on=(Complaint.tenant == Tenant.id))
               .join_from(Complaint, Customer, on=(Complaint.customer == Customer.id))
               .where(Complaint.id == cid).tuples().first())
        version, closed_at, tenant_id, network_id, tenant_status, erased_at = row or (0, None, 0, 0, "none", None)
        # explain(), not the per-request cached load(): every refusal must do the same reads.
        cfg = settings.explain(Tenant(id=tenant_id, network=network_id), SETTINGS)[0]
    current = tokens.matches(_key(), token, cid, version)
    expired = rules.is_expired(closed_at, cfg["expiry_days"], at or now())
    if row is None or not current or expired or tenant_status != TenantStatus.ACTIVE or erased_at is not None:
        return None
    with scoped(SYSTEM):  # only a valid link gets this far
        complaint = (Complaint.select(Complaint, Tenant, Customer)
                     .join(Tenant, on=(Complaint.tenant == Tenant.id))
                     .join_from(Complaint, Customer, on=(Complaint.customer == Customer.id))
                     .where(Complaint.id == cid).get())
    return Opened(complaint=complaint, tenant=complaint.tenant, customer=complaint.customer, settings=cfg)
