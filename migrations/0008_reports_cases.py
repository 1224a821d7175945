"""Reports and the case library: submitted report snapshots, written-up cases and their search bigrams."""
from peewee import *


def up(migrator, db):
    class Category(Model):
        class Meta:
            database = db
            table_name = 'category'

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

    class Case(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, null=True, on_delete='SET NULL')
        title = CharField(max_length=200)
        scenario = TextField(default='')
        cause = TextField(default='')
        practice = TextField(default='')
        handling = TextField(default='')
        improvements = TextField(default='')
        category = ForeignKeyField(Category, null=True, on_delete='SET NULL')
        grade = CharField(max_length=12, default='general')
        tags = CharField(max_length=200, default='')
        shared = BooleanField(default=False)
        featured = BooleanField(default=False)
        featured_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        search_text = TextField(default='')
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'library_case'
            indexes = ((('tenant', 'complaint'), True), (('tenant', 'id'), False), (('shared', 'featured', 'id'), False))
    db.create_tables([Case])

    class CaseGram(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        case = ForeignKeyField(Case, on_delete='CASCADE')
        gram = CharField(max_length=8)
        class Meta:
            database = db
            table_name = 'case_gram'
            indexes = ((('tenant', 'gram', 'case'), False),)
    db.create_tables([CaseGram])

    class Report(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        kind = CharField(max_length=16)
        period = CharField(max_length=12)
        complaint = ForeignKeyField(Complaint, null=True, on_delete='CASCADE')
        analysis = TextField(default='')
        status = CharField(max_length=12, default='draft')
        snapshot = TextField(null=True)
        submitted_at = DateTimeField(null=True)
        submitted_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'report'
            indexes = ((('tenant', 'kind', 'period'), True),)
    db.create_tables([Report])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('report'))
    migrator.migrate(migrator.drop_table('case_gram'))
    migrator.migrate(migrator.drop_table('library_case'))
