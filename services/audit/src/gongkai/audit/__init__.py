"""Audit: an append-only log of every message on every exchange, and the auditors' queries over it."""
