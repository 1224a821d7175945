"""Headquarters: work orders dispatched to tenants, written-report reviews, HQ take-overs."""
from peewee import *


def up(migrator, db):
    class Complaint(Model):
        class Meta:
            database = db
            table_name = 'complaint'

    class Tenant(Model):
        class Meta:
            database = db
            table_name = 'tenant'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ReportReview(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, unique=True, on_delete='CASCADE')
        reviewed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        reviewed_at = DateTimeField()
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'report_review'
    db.create_tables([ReportReview])

    class Takeover(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, unique=True, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        reason = TextField(default='')
        taken_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'takeover'
    db.create_tables([Takeover])

    class WorkOrder(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, null=True, on_delete='SET NULL')
        source = CharField(max_length=24)
        summary = CharField(max_length=200)
        payload = TextField()
        status = CharField(max_length=12, default='dispatched')
        response_hours = FloatField()
        dispatched_at = DateTimeField()
        response_due_at = DateTimeField()
        responded_at = DateTimeField(null=True)
        response_on_time = BooleanField(null=True)
        response_note = TextField(default='')
        completed_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'work_order'
            indexes = ((('tenant', 'status', 'response_due_at'), False), (('tenant', 'complaint'), False))
    db.create_tables([WorkOrder])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('work_order'))
    migrator.migrate(migrator.drop_table('takeover'))
    migrator.migrate(migrator.drop_table('report_review'))
