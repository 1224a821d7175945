"""Account verbs: create users, change passwords, end sessions, sign in with limits, lock and unlock."""
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from .. import throttle
from ..db import atomic, now
from .models import User

# A real hash to compare against when the e-mail is unknown, so timing does not tell.
_DUMMY = generate_password_hash("kesu-dummy-password", method="scrypt:1024:8:1")


def hash_password(password: str, method: str = "scrypt") -> str:
    return generate_password_hash(password, method=method)


def check_password(user: User | None, password: str) -> bool:
    if user is None:
        check_password_hash(_DUMMY, password)
        return False
    return check_password_hash(user.password_hash, password)


def create_user(email: str, name: str, password: str | None = None, *, password_hash: str | None = None,
                method: str = "scrypt") -> User:
    with atomic():
        return User.create(email=email.strip().lower(), name=name.strip(),
                           password_hash=password_hash or hash_password(password, method))


def end_sessions(user: User) -> None:
    """Every session of this user ends at its next request."""
    with atomic():
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version += 1


def set_password(user: User, password: str, method: str = "scrypt") -> None:
    with atomic():
        User.update(password_hash=hash_password(password, method), locked=False, locked_at=None,
                    session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version += 1
    clear_failures(user.email)


# ---- signing in -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """Failures per e-mail before it must wait, before its account locks; per address; the window."""

    slow_down: int = 5
    lock_after: int = 10
    per_address: int = 20
    window: int = 900


class SignInRefused(Exception):
    """Why a sign-in was refused: "wrong" (422), "slow_down" or "locked" (429), "locked_out" (422)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _email_key(email: str) -> str:
    return f"login:email:{email.strip().lower()}"


def _address_key(address: str | None) -> str:
    return f"login:ip:{address}"


def clear_failures(email: str) -> None:
    """Forget the failed sign-ins of an e-mail (after a success, an unlock, a new password)."""
    throttle.clear(_email_key(email))


def sign_in(email: str, password: str, address: str | None, limits: Limits) -> User:
    """The user whose e-mail and password these are, or SignInRefused.

    Failures are counted per e-mail and per client address. After `slow_down` failures an e-mail
    must wait (no password is checked, so guessing stops); attempts while waiting still count,
    and at `lock_after` the account is locked until an admin unlocks it. A success forgives
    the e-mail's and the address's failures (an office behind one address does not lock itself out).
    """
    email = email.strip().lower()
    email_key, address_key = _email_key(email), _address_key(address)
    if throttle.count(email_key, limits.window) >= limits.slow_down:
        failures = throttle.hit(email_key, limits.window)
        if failures >= limits.lock_after:
            user = User.get_or_none(User.email == email)
            if user is not None:
                lock(user, failures)
            raise SignInRefused("locked")  # said for unknown e-mails too: the page tells nothing
        raise SignInRefused("slow_down")
    if throttle.count(address_key, limits.window) >= limits.per_address:
        raise SignInRefused("slow_down")
    user = User.get_or_none(User.email == email)
    if not check_password(user, password) or not user.active:
        throttle.hit(email_key, limits.window)
        throttle.hit(address_key, limits.window)
        raise SignInRefused("wrong")
    if user.locked:  # only someone who knows the password learns that the account is locked
        raise SignInRefused("locked_out")
    clear_failures(email)
    throttle.clear(address_key)
    return user


def lock(user: User, failures: int) -> bool:
    """Lock an account after too many failed sign-ins: its sessions end, an admin must unlock it.

    Every place the account belongs to records the event (see `places`). Returns False when the
    account was already locked.
    """
    from ..events import EventKind, record
    from ..scope import SYSTEM, scoped

    with atomic(), scoped(SYSTEM):
        changed = (User.update(locked=True, locked_at=now(), version=User.version + 1,
                               session_version=User.session_version + 1)
                   .where((User.id == user.id) & (User.locked == False)).execute())  # noqa: E712
        if not changed:
            return False
        for place in places(user):
            record(EventKind.USER_LOCKED, "user", user.id, None, **place,
                   before={"locked": False}, after={"locked": True}, data={"failures": failures})
    return True


def places(user: User) -> list[dict]:
    """Where a change to the account is logged, as `events.record` keywords: each tenant the person works in
    (their admins unlock them there), each network whose HQ they belong to, or, with neither, the system's log."""
    from ..scope import SYSTEM, scoped
    from ..tenancy.models import HqMembership, Membership

    with scoped(SYSTEM):  # a deliberate look across tenants, limited to this one person
        found = [{"tenant": m.tenant_id} for m in Membership.select(Membership.tenant)
                 .where((Membership.user == user.id) & Membership.active)]
    found += [{"network": m.network_id} for m in HqMembership.select(HqMembership.network)
              .where((HqMembership.user == user.id) & HqMembership.active)]
    return found or [{}]


# ---- an operator's recovery (the command line) ------------------------------------------------------

def unlock(user: User, actor_label: str) -> bool:
    """Unlock an account wherever its person works, and forgive its failed sign-ins; every place it belongs
    to logs who did it. For accounts no tenant admin can reach (HQ only, no workspace). Returns False
    (nothing logged) when it was not locked."""
    from ..events import EventKind, record
    from ..scope import SYSTEM, scoped

    with atomic(), scoped(SYSTEM):
        changed = (User.update(locked=False, locked_at=None, version=User.version + 1)
                   .where((User.id == user.id) & (User.locked == True)).execute())  # noqa: E712
        for place in places(user) if changed else ():
            record(EventKind.USER_UNLOCKED, "user", user.id, None, **place, actor_label=actor_label,
                   before={"locked": True}, after={"locked": False})
    clear_failures(user.email)
    return bool(changed)


def reset_password(user: User, password: str, actor_label: str, method: str = "scrypt") -> None:
    """Give an account a new password (the caller checked it against `rules.password_problems`): it is
    unlocked, its failed sign-ins forgiven and its sessions ended; every place it belongs to logs it."""
    from ..events import EventKind, record
    from ..scope import SYSTEM, scoped

    with atomic(), scoped(SYSTEM):
        was_locked = User.select(User.locked).where(User.id == user.id).scalar()
        User.update(version=User.version + 1).where(User.id == user.id).execute()  # open admin forms go stale
        set_password(user, password, method)
        for place in places(user):
            record(EventKind.PASSWORD_RESET, "user", user.id, None, **place, actor_label=actor_label,
                   before={"locked": was_locked}, after={"locked": False})
