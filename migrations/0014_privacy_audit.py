"""Privacy and audit: where each event came from (IP, browser), the audit log's kind filter, erased
customers, and the new customer.privacy permission for the roles that manage users (tenant admins)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('event', 'ip', CharField(max_length=45, null=True)),
        migrator.add_column('event', 'user_agent', CharField(max_length=200, null=True)),
        migrator.add_index('event', ('tenant_id', 'kind', 'at')),
        migrator.add_column('customer', 'erased_at', DateTimeField(null=True)),
    )
    Role = _role(db)
    (Role.update(permissions=Role.permissions.concat(' customer.privacy'))
     .where(Role.permissions.contains('admin.users') & ~Role.permissions.contains('customer.privacy')).execute())


def down(migrator, db):
    Role = _role(db)
    Role.update(permissions=fn.REPLACE(Role.permissions, ' customer.privacy', '')).execute()
    migrator.migrate(
        migrator.drop_column('customer', 'erased_at'),
        migrator.drop_index('event', 'event_tenant_id_kind_at'),
        migrator.drop_column('event', 'user_agent'),
        migrator.drop_column('event', 'ip'),
    )


def _role(db):
    class Role(Model):
        permissions = TextField()
        class Meta:
            database = db
            table_name = 'role'
    return Role
