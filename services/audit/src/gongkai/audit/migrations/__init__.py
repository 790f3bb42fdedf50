"""Audit's migrations, and what its runtime role may do: the log is INSERT and SELECT only.

``gongkai migrate`` gives the runtime role (``gongkai_audit``) these privileges; tables added by later
migrations get ``SELECT, INSERT`` by default. Only the outbox (the relay marks rows sent) and the inbox
take updates and deletes.
"""

from gongkai.shared.roles import DML, RuntimePrivileges

RUNTIME_PRIVILEGES = RuntimePrivileges(tables=("select", "insert"), per_table={"inbox": DML, "outbox": DML})
