"""Declared batches / building phases and the complaint's batch, for batch quality incidents."""
from peewee import *


def up(migrator, db):
    class Tenant(Model):
        class Meta:
            database = db
            table_name = 'tenant'

    class Batch(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE')
        key = CharField(max_length=40)
        name = CharField(max_length=120)
        kind = CharField(max_length=16, default='product')
        size = IntegerField()
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'batch'
            indexes = ((('tenant', 'key'), True),)
    db.create_tables([Batch])

    migrator.migrate(migrator.add_column('complaint', 'batch_key', CharField(max_length=40, null=True)))
    migrator.migrate(migrator.add_column('complaint', 'batch_incident', BooleanField(default=False)))
    migrator.migrate(migrator.add_index('complaint', ('tenant_id', 'batch_key')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('complaint', 'complaint_tenant_id_batch_key'))
    migrator.migrate(migrator.drop_column('complaint', 'batch_incident'))
    migrator.migrate(migrator.drop_column('complaint', 'batch_key'))
    migrator.migrate(migrator.drop_table('batch'))
