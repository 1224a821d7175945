"""Account verbs: create users, change passwords, end sessions."""
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import atomic
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
        User.update(password_hash=hash_password(password, method), locked=False,
                    session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version += 1
