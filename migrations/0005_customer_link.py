"""Customer status link: one row per customer form or urge, so a replay records once."""
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

    class CustomerAction(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        complaint = ForeignKeyField(Complaint, on_delete='CASCADE')
        key = CharField(max_length=64)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'customer_action'
            indexes = ((('complaint', 'key'), True),)
    db.create_tables([CustomerAction])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('customer_action'))
