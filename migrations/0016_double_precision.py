"""Deadline budgets and work-order response hours in double precision: PostgreSQL's REAL (peewee's
FloatField) keeps about 7 digits, so a working-time budget of 128126.249269 s came back as 128126.25
and a due moment moved by most of a second. SQLite's REAL is already 8 bytes: nothing to do there."""
from peewee import *


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        migrator.migrate(
            migrator.alter_column_type('deadline', 'budget_seconds', DoubleField()),
            migrator.alter_column_type('work_order', 'response_hours', DoubleField()),
        )


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        migrator.migrate(
            migrator.alter_column_type('deadline', 'budget_seconds', FloatField()),
            migrator.alter_column_type('work_order', 'response_hours', FloatField()),
        )
