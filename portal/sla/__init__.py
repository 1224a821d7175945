"""Deadlines (SLA): the business calendar and the deadlines counted in working time."""
