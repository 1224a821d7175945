"""Approvals: a generic request → approve/reject step routed by role, grade and delegation."""
