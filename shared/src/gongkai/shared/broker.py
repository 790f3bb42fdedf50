"""The operator's broker set-up: one account per party, its permissions, and the topology, as definitions.

Every party gets exactly what its job needs (regexes over exchange and queue names, and topic
permissions over routing keys, both derived from the topology and the message registry):

- a service reads its own queues and writes the exchanges it sends facts on, with only the routing
  keys of its own facts; one that answers intake commands also writes the default exchange (the
  answers go to the asking tool's reply queue). It configures nothing: the set-up declares the topology.
- ``staff-tool`` writes the intake exchange with the command keys only, and declares and reads its own
  server-named reply queues (``amq.gen-…``).
- ``public-site`` declares its own queues (server-named, or ``<ns>.public-site.…``), binds them to the
  public exchange with any key and reads them; it writes nothing else.

No account has the ``impersonator`` tag, so the ``user_id`` of a message names the account that sent it.
Topic permissions name exchanges exactly (RabbitMQ has no pattern there), so they are given per namespace.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from .accounts import (
    BROKER_PARTIES,
    OPERATOR,
    PUBLIC_SITE,
    SERVICES,
    STAFF_SENDER,
    STAFF_TOOL,
    password_of,
    user_of,
)
from .messages import MESSAGES
from .topology import QUEUES, Topology, rabbit_password_hash

VHOST = "/"
SERVER_NAMED = r"amq\.gen-.*"
NOTHING = "^$"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class BrokerSetupError(RuntimeError):
    """The definitions could not be imported, and why."""


def _any_of(patterns: Iterable[str]) -> str:
    patterns = sorted(set(patterns))
    return f"^({'|'.join(patterns)})$" if patterns else NOTHING


def _key_pattern(key: str) -> str:
    """``{channel}.{category}.published`` → ``[^.]+\\.[^.]+\\.published``."""
    return re.sub(r"\\\{[a-z_]+\\\}", "[^.]+", re.escape(key))


def answers_commands(service: str) -> bool:
    """A service with an intake queue of its own handles commands, and answers them on the default exchange."""
    return any(q.name == f"{service}.intake" for q in QUEUES)


def permissions(party: str, namespace: str) -> dict[str, str]:
    """Configure, write and read regexes of ``party``; ``namespace`` is a regex matching the namespace."""
    def name(logical: str) -> str:
        return f"{namespace}\\.{re.escape(logical)}"

    if party in SERVICES:
        write = [name(spec.exchange) for spec in MESSAGES if party in spec.senders]
        if answers_commands(party):
            write.append(r"amq\.default")  # RabbitMQ checks the default exchange under this name
        read = [name(q.name) for q in QUEUES if q.name.startswith(f"{party}.")]
        return {"configure": NOTHING, "write": _any_of(write), "read": _any_of(read)}
    if party == STAFF_TOOL:
        return {"configure": _any_of([SERVER_NAMED]), "write": _any_of([name("intake")]),
                "read": _any_of([SERVER_NAMED])}
    if party == PUBLIC_SITE:
        own = [SERVER_NAMED, f"{name('public-site')}\\..+"]
        return {"configure": _any_of(own), "write": _any_of(own), "read": _any_of([name("public"), *own])}
    if party == OPERATOR:
        return {"configure": ".*", "write": ".*", "read": ".*"}
    raise KeyError(f"unknown party {party!r}")


def topic_permissions(party: str, namespace: str) -> list[dict[str, str]]:
    """Routing keys ``party`` may publish (write) and bind (read) on the exchanges it may reach at all.

    ``namespace`` is exact. Exchanges its vhost permissions keep it from are left out: RabbitMQ refuses
    those before it looks at routing keys.
    """
    topology = Topology(namespace)
    sent: dict[str, set[str]] = {}
    if party in SERVICES:
        for spec in MESSAGES:
            if party in spec.senders:
                sent.setdefault(spec.exchange, set()).add(_key_pattern(spec.key))
    elif party == STAFF_TOOL:
        sent["intake"] = {_key_pattern(spec.key) for spec in MESSAGES
                          if spec.exchange == "intake" and STAFF_SENDER in spec.senders}
    elif party == PUBLIC_SITE:
        return [{"exchange": topology.exchange("public"), "write": NOTHING, "read": ".*"}]
    return [{"exchange": topology.exchange(x), "write": _any_of(keys), "read": NOTHING}
            for x, keys in sorted(sent.items())]


def definitions(*, prefix: str, passwords: Mapping[str, str], namespace_pattern: str,
                topic_namespaces: Iterable[str] = (), topology: Topology | None = None,
                salt: bytes | None = None) -> dict[str, Any]:
    """RabbitMQ definitions: the parties' users (hashed passwords), permissions and topic permissions,
    and with ``topology`` its exchanges, queues and bindings.

    Every party of ``BROKER_PARTIES`` needs a password; the operator account is added when it has one.
    """
    missing = [party for party in BROKER_PARTIES if not passwords.get(party)]
    if missing:
        raise BrokerSetupError(f"no password for {', '.join(missing)} in the broker accounts file")
    parties = [*BROKER_PARTIES, *([OPERATOR] if passwords.get(OPERATOR) else [])]
    out: dict[str, Any] = topology.definitions() if topology else {"vhosts": [{"name": VHOST}]}
    out["users"] = [{"name": prefix + party,
                     "password_hash": rabbit_password_hash(passwords[party], salt or os.urandom(4)),
                     "hashing_algorithm": "rabbit_password_hashing_sha256",
                     "tags": ["administrator"] if party == OPERATOR else []} for party in parties]
    out["permissions"] = [{"user": prefix + party, "vhost": VHOST, **permissions(party, namespace_pattern)}
                          for party in parties]
    out["topic_permissions"] = [{"user": prefix + party, "vhost": VHOST, **permission}
                                for namespace in topic_namespaces for party in BROKER_PARTIES
                                for permission in topic_permissions(party, namespace)]
    return out


def import_definitions(defs: Mapping[str, object], *, amqp_url: str, management_url: str | None) -> str:
    """Import ``defs`` into the broker; returns how. Idempotent: users, permissions and topology are
    created or updated, nothing is removed.

    Through the management API when ``management_url`` is given (a broker in a container), else with
    ``rabbitmqctl`` on the broker's own machine.
    """
    if management_url:
        _management(management_url, "POST", "/api/definitions", defs)
        return f"imported through {_without_password(management_url)}"
    host = urlsplit(amqp_url).hostname or "localhost"
    if host not in LOCAL_HOSTS and host != os.uname().nodename:
        raise BrokerSetupError(f"the broker at {host} is not on this machine: set GONGKAI_BROKER_MANAGEMENT_URL "
                               "(http://user:password@host:15672/) to set it up through its management API")
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="gongkai-definitions-") as file:
        json.dump(defs, file)
        file.flush()
        os.chmod(file.name, 0o644)  # the CLI may run as the rabbitmq user
        _rabbitmqctl("import_definitions", file.name)
    return "imported with rabbitmqctl"


def delete_users(names: Iterable[str], *, management_url: str | None) -> None:
    """Remove broker users (and with them their permissions); tests and teardown only."""
    names = list(names)
    if management_url:
        _management(management_url, "POST", "/api/users/bulk-delete", {"users": names})
        return
    with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:  # each rabbitmqctl call starts an Erlang VM
        list(pool.map(lambda name: _rabbitmqctl("delete_user", name, missing_ok=True), names))


def _rabbitmqctl(*args: str, missing_ok: bool = False) -> None:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise BrokerSetupError("rabbitmqctl is not installed here: set GONGKAI_BROKER_MANAGEMENT_URL to set up "
                               "the broker through its management API")
    result = subprocess.run([ctl, "-q", *args], capture_output=True, text=True, timeout=120)
    if result.returncode != 0 and not (missing_ok and "user_not_found" in result.stderr + result.stdout):
        detail = (result.stderr or result.stdout).strip()[-800:]
        hint = " (rabbitmqctl needs root or the rabbitmq user, for the Erlang cookie)" if "cookie" in detail or \
            "unable to perform an operation" in detail.lower() else ""
        raise BrokerSetupError(f"rabbitmqctl {args[0]} failed{hint}: {detail}")


def _management(url: str, method: str, path: str, body: object) -> None:
    parts = urlsplit(url)
    base = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl().rstrip("/")
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                     headers={"content-type": "application/json"})
    if parts.username:
        token = base64.b64encode(f"{user_of(url)}:{password_of(url) or ''}".encode()).decode()
        request.add_header("authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
    except OSError as exc:  # URLError and HTTPError are OSErrors
        detail = exc.read().decode(errors="replace")[:800] if hasattr(exc, "read") else str(exc)
        raise BrokerSetupError(f"{method} {_without_password(base)}{path} failed: {detail}") from exc


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
