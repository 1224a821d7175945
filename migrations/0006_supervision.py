"""Approvals, supervision orders and early warnings, crisis files, written reports to HQ, support requests."""
from peewee import *


def up(migrator, db):
    class Complaint(Model):
        class Meta:
            database = db
            table_name = 'complaint'

    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class Tenant(Model):
        class Meta:
            database = db
            table_name = 'tenant'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Approval(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        kind = CharField(max_length=24)
        subject_id = IntegerField(null=True)
        grade = CharField(max_length=12)
        route = CharField(max_length=60)
        summary = TextField()
        payload = TextField(null=True)
        status = CharField(max_length=12, default='pending')
        requested_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        requested_at = DateTimeField()
        decided_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        on_behalf_of = ForeignKeyField(User, null=True, on_delete='SET NULL')
        decided_at = DateTimeField(null=True)
        comment = TextField(default='')
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'approval'
            indexes = ((('tenant', 'status', 'route'), False), (('tenant', 'complaint'), False))
    db.create_tables([Approval])

    class CrisisFile(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        source = CharField(max_length=12, default='staff')
        summary = TextField(default='')
        declared_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        declared_at = DateTimeField()
        leader = ForeignKeyField(User, null=True, on_delete='SET NULL')
        executive = ForeignKeyField(User, null=True, on_delete='SET NULL')
        spokesperson = ForeignKeyField(User, null=True, on_delete='SET NULL')
        hq_participant = ForeignKeyField(User, null=True, on_delete='SET NULL')
        defamation_suspected = BooleanField(default=False)
        legal_routed_at = DateTimeField(null=True)
        case_writeup = TextField(default='')
        case_written_at = DateTimeField(null=True)
        case_written_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'crisis_file'
            indexes = ((('tenant', 'complaint'), True),)
    db.create_tables([CrisisFile])

    class CrisisMember(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        file = ForeignKeyField(CrisisFile, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        added_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'crisis_member'
            indexes = ((('file', 'user'), True),)
    db.create_tables([CrisisMember])

    class CrisisPlan(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        file = ForeignKeyField(CrisisFile, on_delete='CASCADE')
        number = IntegerField()
        body = TextField()
        adjustment = BooleanField(default=False)
        status = CharField(max_length=12, default='pending')
        approval = ForeignKeyField(Approval, null=True, on_delete='SET NULL')
        submitted_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        submitted_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'crisis_plan'
            indexes = ((('file', 'number'), True),)
    db.create_tables([CrisisPlan])

    class CrisisStatement(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        file = ForeignKeyField(CrisisFile, on_delete='CASCADE')
        kind = CharField(max_length=12)
        audience = CharField(max_length=24)
        body = TextField()
        made_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        made_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'crisis_statement'
            indexes = ((('tenant', 'file', 'id'), False),)
    db.create_tables([CrisisStatement])

    class Delegation(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        delegate = ForeignKeyField(User, on_delete='CASCADE')
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        note = CharField(max_length=200, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'delegation'
            indexes = ((('tenant', 'delegate', 'ends_at'), False), (('tenant', 'user', 'ends_at'), False))
    db.create_tables([Delegation])

    class EarlyWarning(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        flag = CharField(max_length=24)
        note = TextField(default='')
        automatic = BooleanField(default=False)
        told = CharField(max_length=300, default='')
        raised_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        raised_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'early_warning'
            indexes = ((('tenant', 'complaint', 'flag'), False),)
    db.create_tables([EarlyWarning])

    class HqReport(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        matters = CharField(max_length=120)
        facts = TextField()
        measures = TextField()
        submitted_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        submitted_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'hq_report'
            indexes = ((('tenant', 'complaint'), True),)
    db.create_tables([HqReport])

    class SupervisionOrder(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        seq = IntegerField()
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        department = ForeignKeyField(Department, null=True, on_delete='SET NULL')
        leader = ForeignKeyField(User, null=True, on_delete='SET NULL')
        cc = CharField(max_length=200, default='')
        reason = TextField()
        trigger = CharField(max_length=24, default='manual')
        status = CharField(max_length=12, default='open')
        follow_up_days = IntegerField(default=1)
        next_follow_up_at = DateTimeField(null=True)
        issued_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        issued_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        closed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'supervision_order'
            indexes = ((('tenant', 'seq'), True), (('tenant', 'status', 'department'), False), (('tenant', 'complaint'), False), (('status', 'next_follow_up_at'), False))
    db.create_tables([SupervisionOrder])

    class Milestone(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        order = ForeignKeyField(SupervisionOrder, on_delete='CASCADE')
        position = IntegerField(default=0)
        key = CharField(max_length=24, default='')
        title = CharField(max_length=200, default='')
        due_at = DateTimeField()
        owner = ForeignKeyField(User, null=True, on_delete='SET NULL')
        status = CharField(max_length=12, default='open')
        done_at = DateTimeField(null=True)
        done_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        waived_reason = TextField(default='')
        warned_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'milestone'
            indexes = ((('status', 'warned_at', 'due_at'), False), (('tenant', 'order', 'position'), False))
    db.create_tables([Milestone])

    class SupportRequest(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        kind = CharField(max_length=12)
        description = TextField(default='')
        status = CharField(max_length=12, default='open')
        paused_clocks = BooleanField(default=False)
        attachment_ids = CharField(max_length=200, default='')
        requested_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        requested_at = DateTimeField()
        answer = TextField(default='')
        answered_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        answered_at = DateTimeField(null=True)
        answered_by_hq = BooleanField(default=False)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'support_request'
            indexes = ((('tenant', 'complaint'), False), (('tenant', 'status', 'requested_at'), False))
    db.create_tables([SupportRequest])

    class PartLine(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        request = ForeignKeyField(SupportRequest, on_delete='CASCADE')
        position = IntegerField()
        part_name = CharField(max_length=120)
        part_number = CharField(max_length=60)
        quantity = IntegerField()
        class Meta:
            database = db
            table_name = 'part_line'
            indexes = ((('request', 'position'), True),)
    db.create_tables([PartLine])

    class ProgressReport(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        order = ForeignKeyField(SupervisionOrder, on_delete='CASCADE')
        milestone = ForeignKeyField(Milestone, null=True, on_delete='SET NULL')
        kind = CharField(max_length=12, default='progress')
        body = TextField()
        attachment_ids = CharField(max_length=200, default='')
        author = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'progress_report'
            indexes = ((('tenant', 'order', 'id'), False),)
    db.create_tables([ProgressReport])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('progress_report'))
    migrator.migrate(migrator.drop_table('part_line'))
    migrator.migrate(migrator.drop_table('support_request'))
    migrator.migrate(migrator.drop_table('milestone'))
    migrator.migrate(migrator.drop_table('supervision_order'))
    migrator.migrate(migrator.drop_table('hq_report'))
    migrator.migrate(migrator.drop_table('early_warning'))
    migrator.migrate(migrator.drop_table('delegation'))
    migrator.migrate(migrator.drop_table('crisis_statement'))
    migrator.migrate(migrator.drop_table('crisis_plan'))
    migrator.migrate(migrator.drop_table('crisis_member'))
    migrator.migrate(migrator.drop_table('crisis_file'))
    migrator.migrate(migrator.drop_table('approval'))
