"""Translated messages of signing in and of the password policy (shared by every form that sets a password)."""
from flask_babel import lazy_gettext as _l

from .rules import MIN_LENGTH

PASSWORD_MESSAGES = {
    "too_short": _l("The password needs at least %(n)d characters.", n=MIN_LENGTH),
    "one_class": _l("The password needs at least two kinds of characters: letters, digits or symbols."),
    "too_common": _l("The password is too common or too simple."),
    "like_email": _l("The password must not contain the e-mail address or its name part."),
}
WRONG_PASSWORD = _l("E-mail or password is wrong, or the account is disabled.")
SLOW_DOWN = _l("Too many failed attempts. Wait a few minutes and try again.")
LOCKED = _l("Too many failed attempts: the account is locked. Ask an administrator of your "
            "workspace to unlock it; a headquarters account, the system's operator.")


def password_messages(problems) -> list:
    """The translated reasons for refusing a password, from accounts.rules.password_problems."""
    return [PASSWORD_MESSAGES[p] for p in problems]
