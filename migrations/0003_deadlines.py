"""Deadlines (SLA clocks), pauses, tenant and network settings; complaint clock and risk columns."""
from peewee import *


def up(migrator, db):
    class Complaint(Model):
        class Meta:
            database = db
            table_name = 'complaint'

    class Network(Model):
        class Meta:
            database = db
            table_name = 'network'

    class Tenant(Model):
        class Meta:
            database = db
            table_name = 'tenant'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Deadline(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        kind = CharField(max_length=20)
        started_at = DateTimeField()
        budget_seconds = FloatField()
        clock = BooleanField(default=False)
        due_at = DateTimeField(null=True)
        warn_at = DateTimeField(null=True)
        met_at = DateTimeField(null=True)
        on_time = BooleanField(null=True)
        warned = BooleanField(default=False)
        overdue_notified = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'deadline'
            indexes = ((('met_at', 'warned', 'warn_at'), False), (('met_at', 'overdue_notified', 'due_at'), False), (('tenant', 'complaint', 'kind'), False))
    db.create_tables([Deadline])

    class NetworkSetting(Model):
        network = ForeignKeyField(Network, on_delete='CASCADE')
        key = CharField(max_length=20)
        value = TextField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'network_setting'
            indexes = ((('network', 'key'), True),)
    db.create_tables([NetworkSetting])

    class Pause(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        reason = CharField(max_length=20)
        note = TextField(default='')
        started_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        started_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'pause'
    db.create_tables([Pause])

    class TenantSetting(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        key = CharField(max_length=20)
        value = TextField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'tenant_setting'
            indexes = ((('tenant', 'key'), True),)
    db.create_tables([TenantSetting])

    migrator.migrate(migrator.add_column('complaint', 'next_due_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('complaint', 'paused_since', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('complaint', 'open_clock_from', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('complaint', 'risk_flags', CharField(max_length=300, default='')))
    migrator.migrate(migrator.add_column('complaint', 'outside_support', BooleanField(default=False)))
    migrator.migrate(migrator.add_index('complaint', ('tenant_id', 'grade', 'open_clock_from')))
    migrator.migrate(migrator.add_index('complaint', ('tenant_id', 'next_due_at')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('complaint', 'complaint_tenant_id_next_due_at'))
    migrator.migrate(migrator.drop_index('complaint', 'complaint_tenant_id_grade_open_clock_from'))
    migrator.migrate(migrator.drop_column('complaint', 'outside_support'))
    migrator.migrate(migrator.drop_column('complaint', 'risk_flags'))
    migrator.migrate(migrator.drop_column('complaint', 'open_clock_from'))
    migrator.migrate(migrator.drop_column('complaint', 'paused_since'))
    migrator.migrate(migrator.drop_column('complaint', 'next_due_at'))
    migrator.migrate(migrator.drop_table('tenant_setting'))
    migrator.migrate(migrator.drop_table('pause'))
    migrator.migrate(migrator.drop_table('network_setting'))
    migrator.migrate(migrator.drop_table('deadline'))
