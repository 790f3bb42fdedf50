"""``gongkai portal rebuild --from URL``: the portal's store rebuilt from publishing's public read side."""

from __future__ import annotations

import argparse
import asyncio
import sys

from gongkai.shared.errors import CommandFailed


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("portal", help="the public portal's store: rebuild it from publishing's public read side")
    actions = p.add_subparsers(title="actions", required=True)
    r = actions.add_parser("rebuild", help="empty the store and refill it from GET /public/items (the public "
                                           "contract); its queue is declared first, so nothing published meanwhile "
                                           "is missed")
    r.add_argument("--from", dest="source", required=True, metavar="URL",
                   help="publishing's base URL, e.g. http://127.0.0.1:8001")
    r.add_argument("--keep", action="store_true", help="merge into the store as it is instead of emptying it")
    r.set_defaults(func=lambda a: asyncio.run(rebuild(a.source, keep=a.keep)))


async def rebuild(source: str, *, keep: bool = False) -> int:
    import httpx
    from gongkai.shared.db import create_engine, session_factory
    from gongkai.shared.logs import configure_logging
    from gongkai.shared.settings import Settings

    from . import backfill, consumer
    from .app import PortalSettings
    from .tables import SCHEMA

    settings, own = Settings(), PortalSettings()
    configure_logging("portal", settings.log_level)
    try:
        queue = await consumer.ensure_queue(settings, own.queue)
    except Exception as exc:
        raise CommandFailed(f"cannot declare the portal's queue as {settings.broker_account('public-site')}: "
                            f"{exc}") from exc
    engine = create_engine(settings.database_url_for(SCHEMA))
    try:
        async with httpx.AsyncClient(base_url=source.rstrip("/"), timeout=30) as client:
            done = await backfill.rebuild(session_factory(engine), client, clear=not keep)
    except backfill.SourceError as exc:
        raise CommandFailed(str(exc)) from exc
    finally:
        await engine.dispose()
    print(f"portal rebuilt from {source}: {done.items} items ({done.withdrawn} withdrawn); {done.removed} removed "
          f"first; events since wait in {queue}", file=sys.stderr)
    return 0
