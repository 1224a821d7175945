"""Customer personal data (PIPL): who sees it in full, masking, retention, and what erasure replaces. Pure.

The one rule for showing a customer: people holding `customer.full` (and an HQ handler on a complaint
HQ took over) see name, phone, e-mail and address in full; everyone else sees them masked, in lists
and on the complaint page alike. Templates ask `person(customer)`; nothing else decides.
"""
import calendar
import datetime
import re
from dataclasses import dataclass

FULL = "customer.full"  # tenancy.rules.Permission.CUSTOMER_FULL (kept as text: this module imports nothing)
ERASED = "[erased]"  # what erasure leaves in place of a name, an identifier or the customer's own words
ERASED_EMAIL_RECIPIENT = "erased@invalid"  # an outbox recipient that was an erased customer's address

MOBILE = re.compile(r"(?<!\d)1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")  # mainland mobile numbers
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")  # resident identity card numbers
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


# --- masking -----------------------------------------------------------------------------------

def mask_phone(phone: str | None) -> str:
    """13812341234 -> 138****1234; short numbers keep only their last two digits."""
    digits = phone or ""
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]


def mask_email(email: str | None) -> str:
    """zhang.wei@example.com -> z***@example.com."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str | None) -> str:
    """张伟 -> 张*; Alice Smith -> A****."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


@dataclass(frozen=True)
class Person:
    """A customer as one viewer may see them: full, or masked (address hidden), or erased."""

    name: str
    phone: str
    email: str
    address: str
    full: bool
    erased: bool = False


def sees_full(permissions) -> bool:
    """Whether these permissions show customers unmasked."""
    return FULL in {str(p) for p in (permissions or ())}


def person(name, phone, email=None, address=None, *, full: bool, erased: bool = False) -> Person:
    """The customer's personal data as shown to a viewer who does (full) or does not see it in full."""
    if erased:
        return Person(name="", phone="", email="", address="", full=full, erased=True)
    if full:
        return Person(name=name or "", phone=phone or "", email=email or "", address=address or "", full=True)
    return Person(name=mask_name(name), phone=mask_phone(phone), email=mask_email(email), address="", full=False)


# --- retention -------------------------------------------------------------------------------------

DEFAULT_RETENTION_MONTHS = 36
MIN_RETENTION_MONTHS, MAX_RETENTION_MONTHS = 1, 240


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day `months` later (the month's last day when it is shorter: 31 Jan + 1 -> 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def retention_ends(last_closed: datetime.datetime | None, months: int) -> datetime.datetime | None:
    """When the customer's data may be erased: `months` after their last complaint closed (None: nothing closed)."""
    return add_months(last_closed, months) if last_closed is not None else None


def erasure_refusal(open_complaints: int, last_closed, months: int, at: datetime.datetime) -> str | None:
    """Why the customer cannot be erased now ("open", "retention"), or None when erasure is allowed."""
    if open_complaints:
        return "open"
    ends = retention_ends(last_closed, months)
    if ends is not None and at < ends:
        return "retention"
    return None


# --- erasure: what replaces personal data ------------------------------------------------------------

# JSON keys (event before/after/data, work-order payloads) whose values are the customer's identifiers
# or own words: replaced whole. Every other string is scrubbed of the known identifiers and of anything
# that looks like a phone number, an identity card number or an e-mail address.
IDENTIFIER_KEYS = frozenset({"customer_name", "phone", "email", "address", "plate", "vin", "unit"})
WORDS_KEYS = frozenset({"description", "customer_request", "opinion", "customer_opinion", "comment", "body",
                        "filename", "text"})


@dataclass(frozen=True)
class Identifiers:
    """What identifies one customer: their name, phone, e-mail, address, plates and VINs."""

    names: tuple = ()
    phones: tuple = ()
    emails: tuple = ()
    addresses: tuple = ()
    plates: tuple = ()
    vins: tuple = ()

    def values(self) -> list[str]:
        """Every known value, longest first (so "张伟伟" goes before "张伟"), at least two characters."""
        found = {v.strip() for group in (self.addresses, self.vins, self.plates, self.emails, self.names,
                                         self.phones) for v in group if v and len(v.strip()) >= 2}
        return sorted(found, key=len, reverse=True)


def scrub(text: str | None, known: Identifiers, patterns: bool = True) -> str | None:
    """Text with the customer's identifiers, and (`patterns`) anything like a phone, ID card or e-mail, replaced
    by ERASED. Text not about the customer alone (a month's analysis) passes patterns=False: other numbers stay."""
    if not text:
        return text
    out = text
    for value in known.values():
        out = re.sub(re.escape(value), ERASED, out, flags=re.IGNORECASE)
    for pattern in (EMAIL, ID_CARD, MOBILE, LANDLINE) if patterns else ():
        out = pattern.sub(ERASED, out)
    return out


def redact_json(value, known: Identifiers):
    """A JSON value with the customer's identifiers and words replaced; keys, numbers and codes stay."""
    if isinstance(value, dict):
        return {k: (ERASED if k in IDENTIFIER_KEYS | WORDS_KEYS and isinstance(v, str) and v
                    else redact_json(v, known)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, known) for v in value]
    if isinstance(value, str):
        return scrub(value, known)
    return value
