"""The oversight schema's migrations (Alembic), run by ``gongkai migrate`` as the schema's owner."""
