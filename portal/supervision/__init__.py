"""Supervision orders (工作督办单): milestones, progress, warnings (预警) and the board."""
