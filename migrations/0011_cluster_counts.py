"""The cluster rule's own register: each counted complaint with its complainant, and each complainant's
latest complaint per category (portal/sla/clusters.py), filled from the complaints already there."""
from peewee import *

BATCH = 5000


def up(migrator, db):
    class Tenant(Model):
        class Meta:
            database = db
            table_name = 'tenant'

    class Category(Model):
        class Meta:
            database = db
            table_name = 'category'

    class Complaint(Model):
        class Meta:
            database = db
            table_name = 'complaint'

    class ClusterEntry(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE', index=True)
        complaint = ForeignKeyField(Complaint, unique=True, on_delete='CASCADE')
        category = ForeignKeyField(Category, on_delete='CASCADE')
        received_at = DateTimeField()
        complainant = CharField(max_length=40)
        class Meta:
            database = db
            table_name = 'cluster_entry'
            indexes = ((('tenant', 'category', 'received_at'), False),
                       (('tenant', 'category', 'complainant', 'received_at'), False))

    class ClusterComplainant(Model):
        tenant = ForeignKeyField(Tenant, on_delete='CASCADE', index=True)
        category = ForeignKeyField(Category, on_delete='CASCADE')
        complainant = CharField(max_length=40)
        last_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'cluster_complainant'
            indexes = ((('tenant', 'category', 'complainant'), True),
                       (('tenant', 'category', 'last_at'), False))
    db.create_tables([ClusterEntry, ClusterComplainant])
    _fill(db)


def _fill(db):
    """Every complaint with a category that is not merged, keyed as grading.complainant_key does (in
    Python, so the keys are exactly the rule's), in batches by id; then each complainant's latest."""
    p, last = db.param, 0
    while True:
        rows = db.execute_sql(
            'SELECT c.id, c.tenant_id, c.category_id, c.received_at, cu.phone FROM complaint c '  # noqa: S608 - only placeholders and a constant
            f'JOIN customer cu ON cu.id = c.customer_id WHERE c.id > {p} AND c.kind = {p} '
            f'AND c.status <> {p} AND c.category_id IS NOT NULL ORDER BY c.id LIMIT {BATCH}',
            (last, 'complaint', 'merged')).fetchall()
        if not rows:
            break
        values = [(tenant, cid, category, received, (phone or '').strip().casefold() or f'#{cid}')
                  for cid, tenant, category, received, phone in rows]
        for start in range(0, len(values), 500):  # 2500 parameters a statement: within SQLite's limit
            chunk = values[start:start + 500]
            db.execute_sql('INSERT INTO cluster_entry (tenant_id, complaint_id, category_id, received_at, complainant) '
                           'VALUES ' + ', '.join([f'({p}, {p}, {p}, {p}, {p})'] * len(chunk)),
                           [v for row in chunk for v in row])
        last = rows[-1][0]
    db.execute_sql('INSERT INTO cluster_complainant (tenant_id, category_id, complainant, last_at) '
                   'SELECT tenant_id, category_id, complainant, MAX(received_at) FROM cluster_entry '
                   'GROUP BY tenant_id, category_id, complainant')


def down(migrator, db):
    migrator.migrate(migrator.drop_table('cluster_complainant'))
    migrator.migrate(migrator.drop_table('cluster_entry'))
