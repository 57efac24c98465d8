"""Alembic migrations, applied by `smartcity migrate` and at `smartcity serve` start-up."""
