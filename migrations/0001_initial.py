"""The foundation: networks, tenants, users, roles, departments, categories, events, outbox."""
from peewee import *


def up(migrator, db):
    class Network(Model):
        slug = CharField(unique=True, max_length=40)
        name = CharField(max_length=120)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'network'
    db.create_tables([Network])

    class Tenant(Model):
        network = ForeignKeyField(Network, on_delete='RESTRICT')
        slug = CharField(unique=True, max_length=40)
        name = CharField(max_length=120)
        code = CharField(max_length=12)
        kind = CharField(max_length=16, default='dealer')
        timezone = CharField(max_length=64, default='Asia/Shanghai')
        status = CharField(max_length=16, default='active')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'tenant'
    db.create_tables([Tenant])

    class Category(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        name = CharField(max_length=80)
        position = IntegerField(default=0)
        active = BooleanField(default=True)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'category'
            indexes = ((('tenant', 'name'), True),)
    db.create_tables([Category])

    class User(Model):
        email = CharField(unique=True, max_length=254)
        name = CharField(max_length=80)
        password_hash = CharField()
        active = BooleanField(default=True)
        session_version = IntegerField(default=1)
        locale = CharField(null=True, max_length=8)
        locked = BooleanField(default=False)
        created_at = DateTimeField()
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class Department(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        name = CharField(max_length=80)
        leader = ForeignKeyField(User, null=True, on_delete='SET NULL')
        active = BooleanField(default=True)
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'department'
            indexes = ((('tenant', 'name'), True),)
    db.create_tables([Department])

    class Event(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        kind = CharField(max_length=40)
        subject_type = CharField(max_length=24)
        subject_id = IntegerField(null=True)
        actor = ForeignKeyField(User, null=True, on_delete='SET NULL')
        actor_label = CharField(max_length=80, default='')
        at = DateTimeField()
        before = TextField(null=True)
        after = TextField(null=True)
        data = TextField(null=True)
        public = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'event'
            indexes = ((('tenant', 'subject_type', 'subject_id', 'id'), False), (('tenant', 'at'), False))
    db.create_tables([Event])

    class HqMembership(Model):
        network = ForeignKeyField(Network, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        level = CharField(max_length=16, default='admin')
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'hq_membership'
            indexes = ((('network', 'user'), True),)
    db.create_tables([HqMembership])

    class Role(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        key = CharField(max_length=40)
        name = CharField(max_length=80)
        permissions = TextField(default='')
        version = IntegerField(default=1)
        class Meta:
            database = db
            table_name = 'role'
            indexes = ((('tenant', 'key'), True),)
    db.create_tables([Role])

    class Membership(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        role = ForeignKeyField(Role, on_delete='RESTRICT')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'membership'
            indexes = ((('tenant', 'user'), True),)
    db.create_tables([Membership])

    class OutboxMessage(Model):
        tenant = ForeignKeyField(Tenant, null=True, on_delete='CASCADE')
        recipient = CharField(max_length=254)
        subject = CharField(max_length=200)
        body = TextField()
        status = CharField(max_length=12, default='queued')
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        last_error = TextField(null=True)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'outbox_message'
            indexes = ((('status', 'next_attempt_at'), False), (('tenant', 'id'), False))
    db.create_tables([OutboxMessage])

    class Throttle(Model):
        key = CharField(primary_key=True, max_length=200)
        window_start = DateTimeField()
        count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'throttle'
    db.create_tables([Throttle])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('throttle'))
    migrator.migrate(migrator.drop_table('outbox_message'))
    migrator.migrate(migrator.drop_table('membership'))
    migrator.migrate(migrator.drop_table('role'))
    migrator.migrate(migrator.drop_table('hq_membership'))
    migrator.migrate(migrator.drop_table('event'))
    migrator.migrate(migrator.drop_table('department'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('category'))
    migrator.migrate(migrator.drop_table('tenant'))
    migrator.migrate(migrator.drop_table('network'))
