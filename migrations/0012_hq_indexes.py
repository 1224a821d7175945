"""Indexes for the headquarters comparison: each figure is read from a small (mostly partial) index
instead of scanning the register, its clocks and its revisits. The predicates are the comparison's own
WHERE clauses (portal/hq/queries.py), so the planner can prove the index covers the query. The inbox's
written reports to acknowledge, oldest first, read the flagged complaints in order of arrival."""
from peewee import *

OPEN = ['implementing', 'investigating', 'plan_proposed', 'received', 'revisit_pending', 'transferred']


def up(migrator, db):
    complaint, deadline, task = Table('complaint'), Table('deadline'), Table('revisit_task')
    migrator.migrate(
        migrator.add_index('complaint', ('tenant_id', 'grade', 'crisis'), name='complaint_open_by_grade',
                           where=(complaint.c.kind == 'complaint') & complaint.c.status.in_(OPEN)),
        migrator.add_index('complaint', ('tenant_id', 'id', 'status'), name='complaint_report_required',
                           where=(complaint.c.report_required == True)),
        migrator.add_index('complaint', ('received_at', 'status'), name='complaint_reports_by_received',
                           where=(complaint.c.report_required == True)),
        migrator.add_index('deadline', ('kind', 'due_at', 'tenant_id'), name='deadline_unmet_by_kind',
                           where=deadline.c.met_at.is_null()),
        migrator.add_index('deadline', ('kind', 'met_at', 'tenant_id', 'on_time')),
        migrator.add_index('revisit_task', ('done_at', 'tenant_id', 'satisfaction'), name='revisit_task_done',
                           where=(task.c.status == 'done') & task.c.satisfaction.is_null(False)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('revisit_task', 'revisit_task_done'),
        migrator.drop_index('deadline', 'deadline_kind_met_at_tenant_id_on_time'),
        migrator.drop_index('deadline', 'deadline_unmet_by_kind'),
        migrator.drop_index('complaint', 'complaint_reports_by_received'),
        migrator.drop_index('complaint', 'complaint_report_required'),
        migrator.drop_index('complaint', 'complaint_open_by_grade'),
    )
