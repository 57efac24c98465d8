"""Citizen participation: processes with phases, proposals, comments, moderation and
participatory budgets with checkable votes (docs/participation.md)."""
