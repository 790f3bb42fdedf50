"""The broker definitions in code: each party's permissions follow from the topology and the message registry."""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from gongkai.shared import broker
from gongkai.shared.accounts import BROKER_PARTIES, SERVICES
from gongkai.shared.messages import MESSAGES
from gongkai.shared.topology import Topology

PASSWORDS = {party: f"pw-{party}" for party in (*BROKER_PARTIES, "operator")}


def allowed(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None  # RabbitMQ's regexes here are anchored with ^…$


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_may_publish_exactly_the_routing_keys_of_its_own_facts(service):
    granted = {p["exchange"]: p["write"] for p in broker.topic_permissions(service, "gongkai")}
    for spec in MESSAGES:
        if spec.exchange == "intake":
            continue
        key = spec.key.replace("{channel}", "portal").replace("{category}", "S07")
        mine = service in spec.senders
        assert allowed(granted.get(f"gongkai.{spec.exchange}", "^$"), key) == mine, (spec.type, service)
    assert all(p["read"] == "^$" for p in broker.topic_permissions(service, "gongkai"))


def test_the_staff_tool_may_publish_the_commands_and_the_public_site_may_bind_any_public_key():
    (staff,) = broker.topic_permissions("staff-tool", "gongkai")
    commands = {spec.key for spec in MESSAGES if spec.exchange == "intake"}
    assert staff["exchange"] == "gongkai.intake" and all(allowed(staff["write"], key) for key in commands)
    assert not allowed(staff["write"], "disclosure.submitted.v1")
    assert broker.topic_permissions("public-site", "gongkai") == [
        {"exchange": "gongkai.public", "write": "^$", "read": ".*"}]


def test_no_party_but_the_operator_may_configure_the_topology_or_read_a_queue_of_another():
    names = [name for name, _, _ in Topology("gongkai").all_queues()] + [f"gongkai.{x}" for x in
                                                                          ("events", "public", "intake")]
    for party in BROKER_PARTIES:
        granted = broker.permissions(party, "gongkai")
        assert not any(allowed(granted["configure"], name) for name in names), party
        readable = {name for name in names if allowed(granted["read"], name)}
        if party in SERVICES:
            assert readable and all(name.startswith(f"gongkai.{party}.") for name in readable), party
    assert broker.permissions("public-site", "gongkai")["read"].count("gongkai\\.public") == 2  # exchange, own queues
    assert not allowed(broker.permissions("public-site", "gongkai")["write"], "amq.default")
    assert not allowed(broker.permissions("audit", "gongkai")["write"], "amq.default"), "audit answers no command"
    assert allowed(broker.permissions("review", "gongkai")["write"], "amq.default")


def test_the_definitions_hash_every_password_tag_only_the_operator_and_cover_each_namespace_given():
    defs = broker.definitions(prefix="gk-", passwords=PASSWORDS, namespace_pattern="t[0-9a-f]{2}",
                              topic_namespaces=["t01", "t02"])
    assert {u["name"]: u["tags"] for u in defs["users"]} == {
        **{f"gk-{party}": [] for party in BROKER_PARTIES}, "gk-operator": ["administrator"]}
    assert all("pw-" not in json.dumps(u) for u in defs["users"])
    assert {p["exchange"].split(".")[0] for p in defs["topic_permissions"]} == {"t01", "t02"}
    assert "exchanges" not in defs, "without a topology, accounts only"
    with pytest.raises(broker.BrokerSetupError, match="no password for public-site"):
        broker.definitions(prefix="gk-", passwords={**PASSWORDS, "public-site": ""}, namespace_pattern="x")


def test_the_management_api_gets_the_definitions_with_basic_authentication():
    seen: list[tuple[str, str, str | None, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            seen.append((self.command, self.path, self.headers.get("authorization"), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://ops%40x:s%2Fcret@127.0.0.1:{server.server_port}/"
        how = broker.import_definitions({"users": []}, amqp_url="amqp://mq.example.org/", management_url=url)
        broker.delete_users(["gk-review"], management_url=url)
    finally:
        server.shutdown()
    assert how == f"imported through http://127.0.0.1:{server.server_port}/"
    token = "Basic " + base64.b64encode(b"ops@x:s/cret").decode()
    assert seen == [("POST", "/api/definitions", token, {"users": []}),
                    ("POST", "/api/users/bulk-delete", token, {"users": ["gk-review"]})]
