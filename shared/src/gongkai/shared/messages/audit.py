from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES: tuple[MessageSpec, ...] = (
    MessageSpec(c.AUDIT_CHECKPOINT, c.AuditCheckpoint, "events", ("audit",),
                "The audit log signed a checkpoint: its size and RFC 6962 root, as a C2SP signed note"),
)
