"""Kahu on one machine: embedded PostgreSQL, the Temporal dev server, services and worker
(`python -m devstack`, i.e. `make run`)."""
