"""The headquarters workspace (`/hq`): oversight, dispatch and comparison across a network's tenants.

How HQ works inside tenants (the decisions, in one place):

- **Scope.** Every HQ request runs in the network's scope (`scope.for_network`), so HQ reads any row of
  its tenants and nothing of another network's (a 404). Whatever HQ writes *inside* a tenant goes through
  that tenant's own verbs in that tenant's scope (`scoped(for_tenant(t))`): the complaint a work order
  becomes is a normal `complaints.actions.intake` there, so its customer, number, clocks and settings
  are the tenant's.
- **Work orders (工单).** `WorkOrder` (a tenant-owned row; `tenant` is whom it is addressed to now) keeps
  what HQ received, so a redirect can dispatch it again. HQ's deadline for the tenant's first response
  is the complaint's `handover` clock (DOMAIN.md §3: received outside the handling unit, it must reach
  the handler in time), started with HQ's hours on the clock instead of the tenant's working hour. The
  tenant accepts (or takes any step) → the clock is met and the work order is "accepted"; closing the
  complaint completes it. A returned or redirected work order closes its register entry as "returned"
  or "redirected" (moves of the register's table only the work-order verbs take; the customer reads
  "sent back to headquarters" or "passed to <tenant>: follow number X"), with its remaining clocks
  removed uncounted, so it does not weigh on the tenant's KPIs; the monthly report counts it apart. Its history is the events with subject "work_order", each in the tenant concerned.
- **Take-over.** HQ takes over a *major* complaint: a `Takeover` row, the HQ user becomes its handler
  (`complaints.actions.assign`), and any HQ admin then takes its steps from HQ's complaint page with a
  tenant manager's complaint permissions (`rules.HQ_HANDLER_PERMISSIONS`). No membership in the tenant
  is created: HQ never enters `/t/<tenant>`; the tenant sees the take-over on its complaint page.
- **Comments** are internal notes (`complaints.actions.add_note`) by the HQ user: the tenant reads them
  in the timeline, the customer never does. **Grades**: `sla.escalation.change_grade` with HQ's
  permissions (hq.approve: it may also lower a major complaint). **Supervision**: HQ issues the order
  through `supervision.actions.issue` with the tenant's default milestones.
- **Dashboard.** Each panel is its own URL loaded with HTMX; the comparison counts everything in SQL,
  grouped by tenant, in a fixed number of queries (`queries.comparison`).
"""
