"""``gongkai``: the operator's and clerk's command line.

The parser is built from modules that import nothing heavy: ``--help`` and the offline commands answer
at once. What a command needs (alembic, SQLAlchemy, aio-pika, httpx, the services) is imported inside
the function that runs it; a service's ``register(subparsers)`` follows the same rule (``bench/cli_startup.py``
measures it, ``tests/test_cli_startup.py`` checks it).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from gongkai.shared.accounts import DATABASE_PARTIES as SCHEMAS
from gongkai.shared.errors import CommandFailed

PORT_BASE = 8001


# The four services, the public portal (a site built from the public exchange alone) and the console (pages for
# people, a client of the services' HTTP APIs: no broker, no database), each at its offset from the port base:
# publishing 8001, review 8002, notification 8003, audit 8004, requests 8005, participation 8006, oversight 8007,
# portal 8010, console 8020.
OFFSETS = {"publishing": 0, "review": 1, "notification": 2, "audit": 3, "requests": 4, "participation": 5,
           "oversight": 6, "portal": 9, "console": 19}
CLIENT_SITES = ("console",)  # run without the services' settings (no broker account, no database role)


def ports_from(base: int) -> dict[str, int]:
    """Every process's HTTP port from ``base`` up."""
    return {name: base + offset for name, offset in OFFSETS.items()}


PORTS = ports_from(PORT_BASE)


def port_base() -> int:
    """``GONGKAI_PORT_BASE``: where ``run`` puts the processes and where the clients look for them (default 8001)."""
    text = os.environ.get("GONGKAI_PORT_BASE", "")
    highest = max(OFFSETS.values())
    if not text:
        return PORT_BASE
    if not text.isdigit() or not 1 <= int(text) <= 65535 - highest:
        raise SystemExit(f"gongkai: GONGKAI_PORT_BASE={text!r} is not a port number (1-{65535 - highest})")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except CommandFailed as exc:
        print(f"gongkai: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gongkai", description="Gongkai (公开): information disclosure services")
    sub = p.add_subparsers(title="commands")
    base = port_base()
    ports = ports_from(base)

    m = sub.add_parser("migrate", help="create or update each service's (and the portal's) roles, apply its "
                                       "migrations as its owner (creates the database)")
    m.add_argument("services", nargs="*", metavar="SERVICE", help=f"any of {', '.join(SCHEMAS)} (default: all)")
    m.set_defaults(func=_migrate)

    mk = sub.add_parser("makemigration", help="(developers) autogenerate a migration for one service")
    mk.add_argument("service", choices=SCHEMAS)
    mk.add_argument("message")
    mk.set_defaults(func=_makemigration)

    r = sub.add_parser("run", help="run one service, the portal or the console, or all of them as local processes")
    r.add_argument("service", choices=[*PORTS, "all"])
    r.add_argument("--host", default=os.environ.get("GONGKAI_HOST", "127.0.0.1"))
    where = r.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, help="one process's HTTP port (default: its place after --port-base)")
    where.add_argument("--port-base", type=int, default=base, metavar="N",
                       help=f"the port the others are counted from (default: $GONGKAI_PORT_BASE, else {PORT_BASE}; "
                            f"now {', '.join(f'{n} {p}' for n, p in ports.items())})")
    r.set_defaults(func=_run)

    def add_token(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--token", default=os.environ.get("GONGKAI_TOKEN"),
                            help="bearer token (default: $GONGKAI_TOKEN)")

    s = sub.add_parser("submit", help="submit a disclosure item from a JSON file (- for stdin); prints the answer")
    s.add_argument("file")
    add_token(s)
    s.add_argument("--via", choices=["http", "amqp"], default="http")
    s.add_argument("--url", default=f"http://127.0.0.1:{ports['publishing']}")
    s.set_defaults(func=lambda a: _module("client").submit(a.file, a.token, a.via, a.url))

    it = sub.add_parser("item", help="an item's versions and their states (staff)")
    it.add_argument("item_id")
    add_token(it)
    it.add_argument("--url", default=f"http://127.0.0.1:{ports['publishing']}")
    it.set_defaults(func=lambda a: _module("client").item(a.url, a.token, a.item_id))

    c = sub.add_parser("cases", help="list review cases (reviewers)")
    c.add_argument("--item")
    c.add_argument("--state", default="open")
    add_token(c)
    c.add_argument("--url", default=f"http://127.0.0.1:{ports['review']}")
    c.set_defaults(func=lambda a: _module("client").cases(a.url, a.token, a.item, a.state))

    d = sub.add_parser("decide", help="approve, reject, ask for redaction of, or withhold a review case (reviewers)")
    d.add_argument("case_id")
    d.add_argument("decision", choices=["approve", "reject", "redact", "withhold"])
    d.add_argument("--hash", required=True, help="the content hash the decision is made on")
    d.add_argument("--reason")
    d.add_argument("--span", action="append", help="with redact: FIELD:START-END to remove (repeatable)")
    d.add_argument("--legal-reason", choices=["state-secret", "commercial-secret", "personal-privacy",
                                              "internal-process", "other"], help="with withhold: the legal ground")
    add_token(d)
    d.add_argument("--url", default=f"http://127.0.0.1:{ports['review']}")
    d.set_defaults(func=lambda a: _module("client").decide(a.url, a.token, a.case_id, a.decision, a.hash, a.reason,
                                                           a.span, a.legal_reason))

    t = sub.add_parser("trail", help="every recorded event of one item (auditors)")
    t.add_argument("item_id")
    add_token(t)
    t.add_argument("--url", default=f"http://127.0.0.1:{ports['audit']}")
    t.set_defaults(func=lambda a: _module("client").trail(a.url, a.token, a.item_id))

    w = sub.add_parser("watch-public", help="print public events as a public site would receive them")
    w.add_argument("--binding", default="#", help="routing key pattern, e.g. 'portal.#' or '*.S05.*'")
    w.add_argument("--count", type=int, help="stop after this many events")
    w.set_defaults(func=_watch_public)

    def add_accounts_file(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--accounts", type=Path, help="party → password JSON (default: "
                            "$GONGKAI_BROKER_ACCOUNTS_FILE, in development the shipped development passwords)")

    b = sub.add_parser("broker", help="set RabbitMQ up: every party's account and permissions, and the topology")
    b.add_argument("action", choices=["setup"])
    add_accounts_file(b)
    b.set_defaults(func=lambda a: _module("broker").setup(a.accounts))

    ac = sub.add_parser("accounts", help="make fresh passwords for every broker account and database role")
    ac.add_argument("action", choices=["new"])
    ac.add_argument("directory", type=Path, help="where to write broker-accounts.json, database-accounts.json, "
                                                 "accounts.env (e.g. deploy/config)")
    ac.set_defaults(func=lambda a: _module("accounts").new(a.directory))

    tp = sub.add_parser("topology", help="RabbitMQ topology: declare it (as AMQP_URL's administrator), or export "
                                         "the broker definitions that `broker setup` imports")
    tp.add_argument("action", choices=["declare", "export"])
    add_accounts_file(tp)
    tp.set_defaults(func=_topology)

    _parking_parser(sub)
    _reconcile_parser(sub)

    dc = sub.add_parser("docs", help="(developers) regenerate docs/asyncapi and docs/openapi from the code")
    dc.add_argument("--dir", type=Path, default=Path("docs"))
    dc.add_argument("--check", action="store_true", help="only report documents that are out of date")
    dc.set_defaults(func=_docs)

    cr = sub.add_parser("credential", help="make a new token and the credentials-file entry for it")
    cr.add_argument("--id", required=True)
    cr.add_argument("--name", required=True)
    cr.add_argument("--unit", required=True)
    cr.add_argument("--roles", required=True,
                    help="comma-separated: submitter,reviewer,publisher,auditor,administrator")
    cr.set_defaults(func=lambda a: _module("client").new_credential(a.id, a.name, a.unit, a.roles.split(",")))

    kg = sub.add_parser("keygen", help="make an Ed25519 key for review's decisions or audit's checkpoints: "
                                       "the signer key goes to a new file, the verifier key is printed")
    kg.add_argument("name", help="the key's name, e.g. bureau-review-2026 (no spaces, no '+')")
    kg.add_argument("--out", type=Path, required=True, help="a new file for the signer key (mode 0600)")
    kg.set_defaults(func=_keygen)

    for module in _service_commands():
        module.register(sub)
    return p


def _parking_parser(sub: Any) -> None:
    pk = sub.add_parser("parking", help="dead letters (operators): list, show, replay or drop what waits in the "
                                        "parking queues, each replay and drop recorded in the audit log",
                        description="Reads <ns>.parking and <ns>.audit.parking as AMQP_URL's account (nothing is "
                                    "taken or reordered but what is replayed or dropped). A fact is replayed by "
                                    "the outbox of the service that sent it, a command published again on intake.")
    actions = pk.add_subparsers(title="actions", required=True, metavar="ACTION")

    def filters(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--type", help="only messages of this type (gongkai.disclosure.submitted.v1 or "
                                           "disclosure.submitted.v1)")
        parser.add_argument("--queue", help="only messages that died in this queue (review.submissions)")

    def acting(parser: argparse.ArgumentParser, verb: str) -> None:
        parser.add_argument("ids", nargs="*", metavar="ID", help=f"message ids to {verb} (from `gongkai parking list`)")
        parser.add_argument("--all", action="store_true", help=f"{verb} every parked message (with the filters: "
                                                                "every one they match)")
        filters(parser)
        parser.add_argument("--operator", help="who runs this, for the audit log (default: $GONGKAI_OPERATOR, "
                                               "else the login name)")
        parser.add_argument("--dry-run", action="store_true", help="say what would be done, and do nothing")

    ls = actions.add_parser("list", help="what is parked: id, type, sender, the queue it died in, why, how often, "
                                         "when")
    filters(ls)
    ls.add_argument("--json", action="store_true", help="one JSON array, with the first exchange and routing key")
    ls.set_defaults(func=lambda a: _module("parking").list_(a))

    sh = actions.add_parser("show", help="one parked message in full: properties, headers (secrets hidden), "
                                         "x-death and the envelope")
    sh.add_argument("id", metavar="ID")
    sh.set_defaults(func=lambda a: _module("parking").show(a))

    rp = actions.add_parser("replay", help="put messages back on the exchange and routing key they were first "
                                           "sent with (same id and body); a fact goes through its owner's outbox")
    acting(rp, "replay")
    rp.add_argument("--reason", help="why (optional; recorded)")
    rp.add_argument("--wait", type=float, default=15.0, metavar="SECONDS",
                    help="how long to wait for the owners' relays to send the replayed facts (default 15)")
    rp.set_defaults(func=lambda a: _module("parking").replay(a))

    dp = actions.add_parser("drop", help="remove messages for good, with a reason (recorded)")
    acting(dp, "drop")
    dp.add_argument("--reason", required=True, help="why they are removed (required; recorded in the audit log)")
    dp.set_defaults(func=lambda a: _module("parking").drop(a))


def _reconcile_parser(sub: Any) -> None:
    rc = sub.add_parser("reconcile", help="(operators, daily) check that the services' records agree: every version "
                                          "finished, every event audited, every announcement approved, no deadline "
                                          "orphaned or missing; exit 1 on any mismatch",
                        description="Reads each service's schema as its runtime role (DATABASE_URL's database, the "
                                    "database accounts file) and writes nothing. Counts per check what is ok, in "
                                    "progress and mismatching, and names the mismatching ids. Exit 0: nothing "
                                    "mismatches; 1: something does; 2: a database cannot be read.")
    rc.add_argument("--grace", type=float, default=300.0, metavar="SECONDS",
                    help="how long the system has to carry a step through (send an event, record it, apply a "
                         "decision, open a deadline) before its absence counts as a mismatch (default 300)")
    rc.add_argument("--max-wait", type=int, default=30, metavar="DAYS",
                    help="a version waiting longer than this for its reviewer is a mismatch (default 30)")
    rc.add_argument("--limit", type=int, default=20, metavar="N", help="mismatching ids shown per check (default 20)")
    rc.add_argument("--json", action="store_true", help="one JSON object: the counts, reasons and ids of each check")
    rc.set_defaults(func=lambda a: _module("reconcile").main(a))


def _module(name: str) -> ModuleType:
    """One of the command line's own modules, imported when a command runs (not to print ``--help``)."""
    return importlib.import_module(f"gongkai.cli.{name}")


def _service_commands() -> list[Any]:
    """Each service (and the portal) may bring its own commands in ``gongkai.<name>.cli`` (a
    ``register(subparsers)``)."""
    modules = []
    for service in SCHEMAS:
        name = f"gongkai.{service}.cli"
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules


def _migrate(args: argparse.Namespace) -> int:
    """As ``DATABASE_URL``'s administrator: each service's roles, then its migrations as its owner role."""
    from gongkai.shared.migrations import upgrade
    from gongkai.shared.roles import roles_of
    from gongkai.shared.settings import Settings

    unknown = set(args.services) - set(SCHEMAS)
    if unknown:
        raise CommandFailed(f"unknown service {', '.join(sorted(unknown))}")
    settings = Settings()
    for service in args.services or SCHEMAS:
        roles = roles_of(settings, service)
        upgrade(service, settings.database_url, roles=roles)
        print(f"{service}: migrated (owner {roles.owner}, runtime role {roles.runtime})")
    return 0


def _makemigration(args: argparse.Namespace) -> int:
    import importlib.resources

    from alembic import command
    from gongkai.shared.migrations import alembic_config
    from gongkai.shared.settings import Settings

    config = alembic_config(args.service, Settings().database_url)  # as the administrator: nothing is migrated
    versions = Path(str(importlib.resources.files(f"gongkai.{args.service}") / "migrations" / "versions"))
    config.set_main_option("version_locations", str(versions))
    command.revision(config, message=args.message, autogenerate=True)
    return 0


def _docs(args: argparse.Namespace) -> int:
    from . import docs

    if args.check:
        stale = docs.stale(args.dir)
        for path in stale:
            print(f"out of date: {args.dir / path} (run 'gongkai docs')", file=sys.stderr)
        return 1 if stale else 0
    for path in docs.write(args.dir):
        print(f"wrote {args.dir / path}")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    from gongkai.shared.keys import KeyFormatError, Signer

    try:
        signer = Signer.generate(args.name)
    except KeyFormatError as exc:
        raise CommandFailed(str(exc)) from exc
    try:
        with os.fdopen(os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(signer.text() + "\n")
    except FileExistsError as exc:
        raise CommandFailed(f"{args.out} exists: a signing key is never overwritten") from exc
    except OSError as exc:
        raise CommandFailed(f"cannot write {args.out}: {exc}") from exc
    print(f"signer key written to {args.out}; give the verifier key to whoever checks the signatures:",
          file=sys.stderr)
    print(signer.verifier.text())
    return 0


def _watch_public(args: argparse.Namespace) -> int:
    import asyncio

    from . import client

    return asyncio.run(client.watch_public(args.binding, args.count))


def _topology(args: argparse.Namespace) -> int:
    from . import broker

    return broker.declare() if args.action == "declare" else broker.export(args.accounts)


def _run(args: argparse.Namespace) -> int:
    from . import processes

    ports = ports_from(args.port_base)
    if args.service == "all":
        if args.port is not None:
            raise CommandFailed("run all: --port is one process's; move them all with --port-base")
        return processes.run_all(args.host, ports)
    if args.service in CLIENT_SITES:
        return processes.run_site(args.service, args.host, args.port or ports[args.service])
    return processes.run_one(args.service, args.host, args.port or ports[args.service])


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
