"""Account lockout: when an account was locked after too many failed sign-ins."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('user', 'locked_at', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('user', 'locked_at'),
    )
