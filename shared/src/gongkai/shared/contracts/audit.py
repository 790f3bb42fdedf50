"""The audit service's own facts."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import Line, Payload, Text

AUDIT_CHECKPOINT = "gongkai.audit.checkpoint.v1"
AUDIT_QUERY_RECORDED = "gongkai.audit.query_recorded.v1"


class AuditCheckpoint(Payload):
    """A signed checkpoint of the audit log: a C2SP signed note over ``origin``, ``size`` and ``root``."""

    origin: Line = Field(examples=["gongkai.local/audit"])
    size: int = Field(ge=0, description="entries covered: seq 1 … size")
    root: Line = Field(description="base64 RFC 6962 root hash of the first `size` entries")
    note: Text = Field(description="the signed note: body, blank line, '— <key name> <base64 signature>'")
    key: Line = Field(description="the verifier key: <name>+<key id hex>+<base64(0x01 ‖ Ed25519 key)>")


class AuditQueryRecorded(Payload):
    """An auditor asked the log something; appended to the log itself (never published)."""

    query: Text = Field(examples=["events"])
    parameters: dict[str, Any] = Field(default_factory=dict)
    result_count: int = Field(ge=0)
    completed: bool = True
