"""The audit service's own facts."""

from __future__ import annotations

AUDIT_CHECKPOINT = "gongkai.audit.checkpoint.v1"
AUDIT_QUERY_RECORDED = "gongkai.audit.query_recorded.v1"
