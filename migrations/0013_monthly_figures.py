"""The monthly report's figures computed ahead, one row per tenant and month (portal/reports/store.py)."""
from peewee import *


def up(migrator, db):
    class Tenant(Model):
        class Meta:
            database = db
            table_name = 'tenant'

    class MonthlyFigures(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE', index=True)
        period = CharField(max_length=7)
        ends_at = DateTimeField()
        changes = IntegerField(default=0)
        computed = IntegerField(default=-1)
        computed_at = DateTimeField(null=True)
        valid_until = DateTimeField(null=True)
        calendar = CharField(max_length=40, default='')
        new = IntegerField(default=0)
        closed = IntegerField(default=0)
        tally = TextField(default='{}')
        handling = BlobField(null=True)
        class Meta:
            database = db
            table_name = 'monthly_figures'
            indexes = ((('tenant', 'period'), True),)
    db.create_tables([MonthlyFigures])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('monthly_figures'))
