"""Masking customer personal data for people and pages that do not need it in full. Pure."""


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
