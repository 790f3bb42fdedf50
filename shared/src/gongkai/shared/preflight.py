"""What a service checks before it starts: its own broker account, the operator's topology, its runtime role.

A service never declares exchanges or queues (its account may not): the operator's ``gongkai broker
setup`` does. If something is missing, the service stops at once with what to do, rather than failing
later on the first message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aio_pika
from sqlalchemy import text

from . import failover
from .accounts import user_of
from .topology import EXCHANGES

if TYPE_CHECKING:
    from .service import Service

log = logging.getLogger("gongkai.service")


class StartRefused(RuntimeError):
    """The service must not start as configured (wrong account, missing topology); the message says why."""


async def check_broker(service: Service) -> None:
    """Connect as the account this service's facts must carry, to a broker set up for them."""
    connecting_as = user_of(service.amqp_url) or "guest"
    if connecting_as != service.account:
        raise StartRefused(
            f"{service.name} would connect to RabbitMQ as {connecting_as!r}, but its facts must carry the "
            f"user_id {service.account!r}: give {service.name} that account's password in "
            f"GONGKAI_BROKER_ACCOUNTS_FILE, or an AMQP_URL of its own (docs/operations.md)")
    try:
        connection = await failover.connect(service.amqp_urls)
    except aio_pika.exceptions.ProbableAuthenticationError as exc:
        raise StartRefused(f"RabbitMQ refused the account {service.account!r} (wrong password, or no such "
                           f"user): run `gongkai broker setup` ({exc})") from exc
    try:
        missing = await service.topology.missing(connection, queues=service.queues,
                                                 exchanges=[service.topology.exchange(x) for x in EXCHANGES])
    finally:
        await connection.close()
    if missing:
        raise StartRefused(f"the broker has no {', '.join(missing)}: run `gongkai broker setup` "
                           f"(namespace {service.settings.namespace!r})")


async def check_database(service: Service) -> None:
    """A service runs as its runtime role, one that cannot change its schema: refused in production."""
    async with service.sessions() as session:
        row = (await session.execute(text(
            "select current_user, rolsuper, has_schema_privilege(:schema, 'CREATE') from pg_roles"
            " where rolname = current_user"), {"schema": service.name})).one()
    if row[1] or row[2]:
        problem = (f"{service.name} connects to PostgreSQL as {row[0]!r}, which may change the {service.name} "
                   f"schema: give it its runtime role {service.settings.database_role(service.name)!r} "
                   "(GONGKAI_DATABASE_ACCOUNTS_FILE, or a DATABASE_URL of its own)")
        if service.settings.env == "production":
            raise StartRefused(problem)
        log.warning(problem)
