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
from ..tenancy.models import Tenant
from ..urls import external_url
from . import rules, tokens

SETTINGS = "customer_link"
settings.register_defaults(SETTINGS, rules.SETTINGS_DEFAULTS)

# Stands in for the tenant of a token that names no complaint, so the same queries run.
_NOBODY = Tenant(id=0, network=0, status="none", timezone="Asia/Shanghai")


@dataclass(frozen=True)
class Opened:
    """A complaint opened through a valid link, with its tenant, customer and link settings."""

    complaint: Complaint
    tenant: Tenant
    customer: Customer
    settings: dict


def _key() -> bytes:
    return tokens.link_key(current_app.config["SECRET_KEY"])


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
    """The complaint a valid, current, unexpired token opens; None for every other token."""
    cid = tokens.complaint_id(token)
    with scoped(SYSTEM):
        row = (Complaint.select(Complaint, Tenant, Customer)
               .join(Tenant, on=(Complaint.tenant == Tenant.id))
               .join_from(Complaint, Customer, on=(Complaint.customer == Customer.id))
               .where(Complaint.id == cid).first())
        tenant = row.tenant if row is not None else _NOBODY
        cfg = settings.load(tenant, SETTINGS)  # also for unknown tokens: the same work either way
    current = tokens.matches(_key(), token, cid, row.link_version if row is not None else 0)
    expired = rules.is_expired(row.closed_at if row is not None else None, cfg["expiry_days"], at or now())
    if row is None or not current or expired or not tenant.active:
        return None
    return Opened(complaint=row, tenant=tenant, customer=row.customer, settings=cfg)
