"""The monthly report's figures computed ahead, one row per tenant and month (portal/reports/store.py), and
indexes that find a month's complaints and deadlines when a month is computed."""
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
        lists = TextField(null=True)
        class Meta:
            database = db
            table_name = 'monthly_figures'
            indexes = ((('tenant', 'period'), True),)
    db.create_tables([MonthlyFigures])
    migrator.migrate(
        migrator.add_index('complaint', ('tenant_id', 'received_at')),
        migrator.add_index('complaint', ('tenant_id', 'closed_at')),
        migrator.add_index('deadline', ('tenant_id', 'due_at')),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('deadline', 'deadline_tenant_id_due_at'),
        migrator.drop_index('complaint', 'complaint_tenant_id_closed_at'),
        migrator.drop_index('complaint', 'complaint_tenant_id_received_at'),
        migrator.drop_table('monthly_figures'),
    )
