"""Indexes the benchmark asked for: category filters of the queue, and complaint links by either end."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_index('complaint', ('tenant_id', 'category_id', 'status')),
        migrator.add_index('complaint_link', ('tenant_id', 'source_id')),
        migrator.add_index('complaint_link', ('tenant_id', 'target_id')),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('complaint_link', 'complaint_link_tenant_id_target_id'),
        migrator.drop_index('complaint_link', 'complaint_link_tenant_id_source_id'),
        migrator.drop_index('complaint', 'complaint_tenant_id_category_id_status'),
    )
