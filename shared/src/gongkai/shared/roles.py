"""PostgreSQL roles, two per service: an owner that migrations run as, and a runtime role the service logs in as.

- ``<prefix><service>_owner`` (NOLOGIN) owns the schema and every object in it; ``gongkai migrate``
  (connected as the administrator of ``DATABASE_URL``) takes the advisory lock, hands anything in the
  schema that someone else owns to it, and runs the migrations after ``SET ROLE`` to it.
- ``<prefix><service>`` (LOGIN) has ``USAGE`` on its own schema and the privileges the service's
  ``RuntimePrivileges`` name on its tables (``SELECT, INSERT, UPDATE, DELETE`` unless the service says
  less; audit's log takes only ``SELECT, INSERT``), ``USAGE`` on its sequences, the same by default on
  what later migrations create, and nothing else: it cannot create, alter or drop anything, nor read
  another service's schema.

Roles belong to the server, not to a database: creating them is idempotent and safe to repeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from .settings import Settings

DML = ("select", "insert", "update", "delete")
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class RuntimePrivileges:
    """What a service's runtime role may do to its tables: ``tables`` for all, ``per_table`` overrides."""

    tables: tuple[str, ...] = DML
    per_table: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ServiceRoles:
    schema: str
    owner: str
    runtime: str
    password: str | None = None  # the runtime role's; None leaves it as it is
    privileges: RuntimePrivileges = field(default_factory=RuntimePrivileges)


def roles_of(settings: Settings, service: str, privileges: RuntimePrivileges | None = None) -> ServiceRoles:
    """The roles of ``service`` under ``settings``, with the runtime role's password."""
    return ServiceRoles(schema=service, owner=settings.database_owner(service),
                        runtime=settings.database_role(service),
                        password=settings.database_passwords().get(service),
                        privileges=privileges or service_privileges(service))


def service_privileges(service: str) -> RuntimePrivileges:
    """The service's own ``RUNTIME_PRIVILEGES`` (in ``gongkai.<service>.migrations``), else full DML."""
    import importlib

    try:
        module = importlib.import_module(f"gongkai.{service}.migrations")
    except ModuleNotFoundError:
        return RuntimePrivileges()
    return getattr(module, "RUNTIME_PRIVILEGES", RuntimePrivileges())


async def ensure_roles(database_url: str, roles: ServiceRoles) -> None:
    """Create the owner (NOLOGIN) and runtime (LOGIN) roles when missing and set the runtime's password."""
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        for attempt in range(5):
            try:
                await _ensure(connection, roles)
                return
            except (asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError, asyncpg.InternalServerError):
                # Another migration created the role, or altered it ("tuple concurrently updated").
                if attempt == 4:
                    raise
                await asyncio.sleep(0.1 * (attempt + 1))
    finally:
        await connection.close()


async def _ensure(connection: asyncpg.Connection, roles: ServiceRoles) -> None:
    async with connection.transaction():
        for name, login in ((roles.owner, "nologin"), (roles.runtime, "login")):
            if not await connection.fetchval("select 1 from pg_roles where rolname = $1", name):
                await connection.execute(await _format(connection, f"create role %I {login}", name))
        if roles.password:
            await connection.execute(await _format(connection, "alter role %I login password %L",
                                                   roles.runtime, roles.password))
        if not await connection.fetchval("select rolsuper from pg_roles where rolname = current_user"):
            # A non-superuser administrator needs the owner's membership to hand objects to it and SET ROLE.
            if not await connection.fetchval("select pg_has_role(current_user, $1, 'MEMBER')", roles.owner):
                await connection.execute(await _format(connection, "grant %I to current_user", roles.owner))


async def _format(connection: asyncpg.Connection, template: str, *values: str) -> str:
    """A statement with identifiers (%I) and literals (%L) quoted by the server itself."""
    placeholders = ", ".join(f"${i + 1}::text" for i in range(len(values)))
    statement: str = await connection.fetchval(f"select format('{template}', {placeholders})", *values)
    return statement


async def drop_roles(server_url: str, names: list[str]) -> list[str]:
    """Drop these roles where they exist; returns those that could not be dropped (they still own something)."""
    connection = await asyncpg.connect(server_url.replace("+asyncpg", ""))
    left = []
    try:
        for name in names:
            try:
                await connection.execute(await _format(connection, "drop role if exists %I", name))
            except asyncpg.DependentObjectsStillExistError:
                left.append(name)
    finally:
        await connection.close()
    return left


# ---- inside a migration (a SQLAlchemy connection, in the migration's transaction) ----------------

ADOPT = """
select format('alter %s %I.%I owner to %I',
              case c.relkind when 'v' then 'view' when 'm' then 'materialized view'
                             when 'f' then 'foreign table' when 'S' then 'sequence' else 'table' end,
              n.nspname, c.relname, CAST(:owner AS text))
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = CAST(:schema AS text) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
   and pg_get_userbyid(c.relowner) <> CAST(:owner AS text)
   and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                                          and d.objid = c.oid and d.deptype in ('a', 'i')))
union all
select format('alter routine %s owner to %I', p.oid::regprocedure, CAST(:owner AS text))
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where n.nspname = CAST(:schema AS text) and pg_get_userbyid(p.proowner) <> CAST(:owner AS text)
union all
select format('alter type %I.%I owner to %I', n.nspname, t.typname, CAST(:owner AS text))
  from pg_type t join pg_namespace n on n.oid = t.typnamespace
 where n.nspname = CAST(:schema AS text) and t.typtype in ('e', 'd')
   and pg_get_userbyid(t.typowner) <> CAST(:owner AS text)
"""


def adopt(connection: Connection, roles: ServiceRoles) -> None:
    """Make the owner role own the schema and everything in it (objects made before there were roles)."""
    schema, owner = _q(roles.schema), _q(roles.owner)
    connection.execute(text(f"create schema if not exists {schema} authorization {owner}"))
    connection.execute(text(f"alter schema {schema} owner to {owner}"))
    for statement in connection.execute(text(ADOPT), {"schema": roles.schema, "owner": roles.owner}).scalars():
        connection.execute(text(statement))


def grant_runtime(connection: Connection, roles: ServiceRoles) -> None:
    """Give the runtime role exactly its privileges: what it had before is revoked first."""
    schema, owner, runtime, p = _q(roles.schema), _q(roles.owner), _q(roles.runtime), roles.privileges
    default = f"alter default privileges for role {owner} in schema {schema}"
    for statement in [
        f"revoke all on all tables in schema {schema} from {runtime}",
        f"revoke all on all sequences in schema {schema} from {runtime}",
        f"{default} revoke all on tables from {runtime}",
        f"{default} revoke all on sequences from {runtime}",
        f"grant usage on schema {schema} to {runtime}",
        f"grant {', '.join(p.tables)} on all tables in schema {schema} to {runtime}",
        f"grant usage on all sequences in schema {schema} to {runtime}",
        f"{default} grant {', '.join(p.tables)} on tables to {runtime}",
        f"{default} grant usage on sequences to {runtime}",
        *(f"grant {', '.join(privileges)} on {schema}.{_q(table)} to {runtime}"
          for table, privileges in p.per_table.items() if _exists(connection, roles.schema, table)),
    ]:
        connection.execute(text(statement))
    if _exists(connection, roles.schema, VERSION_TABLE):
        connection.execute(text(f"revoke all on {schema}.{VERSION_TABLE} from {runtime}"))


def _exists(connection: Connection, schema: str, table: str) -> bool:
    exists: bool = connection.execute(text("select to_regclass(:name) is not null"),
                                      {"name": f'"{schema}"."{table}"'}).scalar_one()
    return exists


def _q(identifier: str) -> str:
    """A quoted identifier; the names come from validated settings, this keeps them whole."""
    return '"' + identifier.replace('"', '""') + '"'
