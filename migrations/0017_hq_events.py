"""Events of headquarters and of the whole system: an event's tenant may be empty; `network` then names the
headquarters whose own change it records (HQ members, network defaults), and neither names the system's
(an account with no workspace)."""
from peewee import *


def up(migrator, db):
    class Network(Model):
        class Meta:
            database = db
            table_name = 'network'

    migrator.migrate(
        migrator.drop_not_null('event', 'tenant_id'),
        migrator.add_column('event', 'network_id', ForeignKeyField(Network, field=Network.id, null=True,
                                                                   on_delete='CASCADE', index=False)),
        migrator.add_index('event', ('network_id', 'at')),
    )


def down(migrator, db):
    Event = _event(db)
    Event.delete().where(Event.tenant_id.is_null()).execute()  # HQ's and the system's events have no place left
    migrator.migrate(
        migrator.drop_index('event', 'event_network_id_at'),
        migrator.drop_column('event', 'network_id'),
        migrator.add_not_null('event', 'tenant_id'),
    )


def _event(db):
    class Event(Model):
        tenant_id = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'event'
    return Event
