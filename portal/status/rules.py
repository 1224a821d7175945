"""The status link's rules: how long it lives, when the customer may urge, how often they may try. Pure."""
import datetime
import ipaddress

from ..complaints.rules import OPEN_STATES, Status
from ..sla.calendar import BusinessCalendar, working_day_after

# Tenant settings group "customer_link" (portal.sla.settings): what a tenant may change.
SETTINGS_DEFAULTS = {
    "expiry_days": 180,  # the link keeps working this many days after the complaint closed
    "contact_phone": "", "contact_email": "", "contact_address": "", "contact_hours": "",
    "show_staff_names": False,  # whether the customer sees which staff member took a step
}

# (attempts, window in seconds)
GUESSES_PER_IP = (20, 600)  # bad tokens from one address before it gets 429 for every token
POSTS_PER_LINK = (20, 600)  # customer forms sent through one complaint's link
INFO_PER_LINK = (10, 86400)  # "add information" submissions per complaint and day
LOOKUPS_PER_IP = (10, 3600)  # "send me my link again" requests from one address
MAILS_PER_COMPLAINT = (3, 86400)  # link mails one complaint's customer may ask for
MAILS_PER_RECIPIENT = (10, 3600)  # mails a customer's action may cause to one address in an hour

INFO_MAX_CHARS = 2000
COMMENT_MAX_CHARS = 2000

# The customer is asked for an answer in these steps, so the page offers that instead of urging.
URGE_STATES = OPEN_STATES - {Status.PLAN_PROPOSED, Status.REVISIT_PENDING}


def expires_at(closed_at: datetime.datetime | None, expiry_days: int) -> datetime.datetime | None:
    """When the link stops working: `expiry_days` after closing; never while the complaint is open."""
    if closed_at is None:
        return None
    return closed_at + datetime.timedelta(days=max(int(expiry_days), 0))


def is_expired(closed_at, expiry_days: int, at: datetime.datetime) -> bool:
    end = expires_at(closed_at, expiry_days)
    return end is not None and at >= end


def can_urge(status: str) -> bool:
    return status in URGE_STATES


def urge_day(cal: BusinessCalendar, at: datetime.datetime) -> datetime.date:
    """The working day an urge at UTC moment `at` counts for: today, or the next working day."""
    local = at.replace(tzinfo=datetime.UTC).astimezone(cal.zone).date()
    return working_day_after(cal, local, 0)


def client_key(address: str | None) -> str:
    """Whom to count guesses against: the IPv4 address, or the IPv6 /64 (one subscriber's whole block)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
