"""Revisits (回访): revisit tasks, the answers they recorded, and each tenant's checklist template."""
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

    class ChecklistTemplate(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE', unique=True)
        version = IntegerField(default=1)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'checklist_template'
    db.create_tables([ChecklistTemplate])

    class ChecklistItem(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        template = ForeignKeyField(ChecklistTemplate, on_delete='CASCADE')
        section = CharField(max_length=12, default='checklist')
        position = IntegerField()
        text = CharField(max_length=300)
        required = BooleanField(default=True)
        answer_type = CharField(max_length=12, default='yes_no')
        class Meta:
            database = db
            table_name = 'checklist_item'
            indexes = ((('template', 'section', 'position'), False),)
    db.create_tables([ChecklistItem])

    class RevisitTask(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        round = IntegerField(default=1)
        status = CharField(max_length=12, default='open')
        due_at = DateTimeField(null=True)
        next_attempt_at = DateTimeField()
        attempts = IntegerField(default=0)
        unreachable_count = IntegerField(default=0)
        assignee = ForeignKeyField(User, null=True, on_delete='SET NULL')
        satisfaction = CharField(null=True, max_length=20)
        comment = TextField(default='')
        outcome = CharField(null=True, max_length=16)
        source = CharField(null=True, max_length=16)
        done_at = DateTimeField(null=True)
        done_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'revisit_task'
            indexes = ((('tenant', 'status', 'due_at', 'id'), False), (('tenant', 'status', 'done_at', 'id'), False), (('tenant', 'assignee', 'status', 'due_at'), False), (('tenant', 'complaint', 'id'), False))
    db.create_tables([RevisitTask])

    class RevisitAnswer(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        task = ForeignKeyField(RevisitTask, on_delete='CASCADE')
        item = ForeignKeyField(ChecklistItem, null=True, on_delete='SET NULL')
        section = CharField(max_length=12)
        position = IntegerField()
        text = CharField(max_length=300)
        answer_type = CharField(max_length=12)
        required = BooleanField()
        value = TextField(null=True)
        class Meta:
            database = db
            table_name = 'revisit_answer'
    db.create_tables([RevisitAnswer])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('revisit_answer'))
    migrator.migrate(migrator.drop_table('revisit_task'))
    migrator.migrate(migrator.drop_table('checklist_item'))
    migrator.migrate(migrator.drop_table('checklist_template'))
