"""The complaint register: customers, complaints, numbering, plans, notes, attachments, links."""
from peewee import *


def up(migrator, db):
    class Category(Model):
        class Meta:
            database = db
            table_name = 'category'

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

    class Customer(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        name = CharField(max_length=80)
        phone = CharField(max_length=32)
        email = CharField(null=True, max_length=254)
        address = CharField(null=True, max_length=300)
        locale = CharField(max_length=8, default='zh_Hans')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'customer'
            indexes = ((('tenant', 'phone'), False),)
    db.create_tables([Customer])

    class Complaint(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        number = CharField(max_length=32)
        kind = CharField(max_length=12)
        channel = CharField(max_length=24)
        status = CharField(max_length=20, default='received')
        grade = CharField(max_length=12, default='general')
        customer = ForeignKeyField(Customer, on_delete='RESTRICT')
        category = ForeignKeyField(Category, null=True, on_delete='SET NULL')
        department = ForeignKeyField(Department, null=True, on_delete='SET NULL')
        assignee = ForeignKeyField(User, null=True, on_delete='SET NULL')
        vehicle_model = CharField(null=True, max_length=80)
        plate = CharField(null=True, max_length=20)
        vin = CharField(null=True, max_length=17)
        mileage = IntegerField(null=True)
        project = CharField(null=True, max_length=80)
        building = CharField(null=True, max_length=40)
        unit = CharField(null=True, max_length=40)
        description = TextField()
        customer_request = TextField(default='')
        complainants = IntegerField(default=1)
        vip = BooleanField(default=False)
        crisis = BooleanField(default=False)
        report_required = BooleanField(default=False)
        is_repeat = BooleanField(default=False)
        repeat_of = ForeignKeyField('self', null=True, on_delete='SET NULL')
        merged_into = ForeignKeyField('self', null=True, on_delete='SET NULL')
        received_at = DateTimeField()
        reply_due_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)
        reopen_count = IntegerField(default=0)
        intake_key = CharField(null=True, max_length=40)
        link_version = IntegerField(default=1)
        created_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        updated_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'complaint'
            indexes = ((('tenant', 'number'), True), (('tenant', 'intake_key'), True), (('tenant', 'id'), False), (('tenant', 'status', 'id'), False), (('tenant', 'assignee', 'status'), False), (('tenant', 'department', 'status'), False), (('tenant', 'customer'), False), (('tenant', 'reply_due_at'), False))
    db.create_tables([Complaint])

    class Attachment(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        filename = CharField(max_length=200)
        content_type = CharField(max_length=80)
        size = BigIntegerField()
        sha256 = CharField(max_length=64)
        stored_name = CharField(max_length=80)
        uploaded_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        from_customer = BooleanField(default=False)
        public = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'attachment'
    db.create_tables([Attachment])

    class ComplaintCounter(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        period = CharField(max_length=6)
        last = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'complaint_counter'
            indexes = ((('tenant', 'period'), True),)
    db.create_tables([ComplaintCounter])

    class ComplaintLink(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        source = ForeignKeyField(Complaint, on_delete='CASCADE')
        target = ForeignKeyField(Complaint, on_delete='CASCADE')
        kind = CharField(max_length=12)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'complaint_link'
            indexes = ((('source', 'target', 'kind'), True),)
    db.create_tables([ComplaintLink])

    class Note(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        author = ForeignKeyField(User, null=True, on_delete='SET NULL')
        body = TextField()
        public = BooleanField(default=False)
        from_customer = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'note'
    db.create_tables([Note])

    class Plan(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        cause = TextField()
        solution = TextField()
        proposed_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        proposed_at = DateTimeField()
        agreed = BooleanField(null=True)
        customer_opinion = TextField(null=True)
        answered_at = DateTimeField(null=True)
        answered_by_customer = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'plan'
    db.create_tables([Plan])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('plan'))
    migrator.migrate(migrator.drop_table('note'))
    migrator.migrate(migrator.drop_table('complaint_link'))
    migrator.migrate(migrator.drop_table('complaint_counter'))
    migrator.migrate(migrator.drop_table('attachment'))
    migrator.migrate(migrator.drop_table('complaint'))
    migrator.migrate(migrator.drop_table('customer'))
