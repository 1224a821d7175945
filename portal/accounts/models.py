"""People who sign in to the portal."""
from peewee import BooleanField, CharField, DateTimeField, IntegerField

from ..db import BaseModel, now


class User(BaseModel):
    """A staff or headquarters user; signs in with e-mail and password."""

    email = CharField(max_length=254, unique=True)
    name = CharField(max_length=80)
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    # Bumped on logout, deactivation and password change: every older session ends.
    session_version = IntegerField(default=1)
    locale = CharField(max_length=8, null=True)
    # Locked after too many failed sign-ins (accounts.rules.LOCK_AFTER) until an admin unlocks it.
    locked = BooleanField(default=False)
    locked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)
    version = IntegerField(default=1)

    # flask-login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active and not self.locked

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"
