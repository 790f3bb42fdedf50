"""The gongkai command as a clerk uses it: clear answers, clear errors, no tracebacks."""

from __future__ import annotations

import asyncio
import json
from secrets import token_hex

import pytest
from gongkai.cli.main import main
from gongkai.publishing.app import create_app
from gongkai.shared import broker as broker_setup
from gongkai.shared.accounts import BROKER_PARTIES
from gongkai.shared.contracts import SUBMIT_DISCLOSURE
from gongkai.shared.envelope import new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import connect_as, delete_topology, environment, get_eventually, migrate, publish, running
from gongkai.shared.topology import Topology

NOTICE = {"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}


@pytest.fixture
async def publishing(settings, monkeypatch):
    for name, value in environment(settings).items():
        monkeypatch.setenv(name, value)
    await migrate(settings, ("publishing",))
    async with running(create_app(settings)) as client:
        yield client


async def gongkai(*args: str) -> int:
    return await asyncio.to_thread(main, list(args))


async def test_submitting_over_amqp_prints_what_the_command_did(publishing, tmp_path, capsys):
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps(NOTICE, ensure_ascii=False), encoding="utf-8")
    assert await gongkai("submit", str(notice), "--via", "amqp", "--token", "dev-submitter-token") == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["type"] == "gongkai.disclosure.submitted.v1" and answer["title"] == NOTICE["title"]


async def test_a_refused_amqp_submission_prints_the_reason_and_fails(publishing, tmp_path, capsys):
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps({**NOTICE, "category": "S99"}), encoding="utf-8")
    assert await gongkai("submit", str(notice), "--via", "amqp", "--token", "dev-submitter-token") == 1
    assert "refused (422): unknown category 'S99'" in capsys.readouterr().err


async def test_a_missing_file_or_an_unreachable_service_is_one_clear_line(tmp_path, capsys):
    assert await gongkai("submit", str(tmp_path / "nope.json"), "--token", "t") == 1
    assert capsys.readouterr().err.startswith("gongkai: cannot read")
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps(NOTICE), encoding="utf-8")
    assert await gongkai("submit", str(notice), "--token", "t", "--url", "http://127.0.0.1:9") == 1
    err = capsys.readouterr().err
    assert "cannot reach 127.0.0.1:9" in err and "Traceback" not in err


async def test_a_mistyped_role_is_refused_with_the_roles_there_are(capsys):
    assert await gongkai("credential", "--id", "x", "--name", "X", "--unit", "U", "--roles", "submiter") == 1
    assert "roles are submitter, reviewer, publisher, auditor, administrator" in capsys.readouterr().err


async def test_a_new_credential_prints_a_token_once_and_stores_only_its_hash(capsys):
    assert await gongkai("credential", "--id", "x", "--name", "X", "--unit", "U", "--roles", "auditor") == 0
    out = capsys.readouterr()
    token = out.err.rsplit(": ", 1)[1].strip()
    entry = json.loads(out.out)
    assert token not in out.out and len(entry["token_sha256"]) == 64 and entry["roles"] == ["auditor"]


def test_the_committed_asyncapi_and_openapi_documents_are_what_the_code_generates():
    from pathlib import Path

    from gongkai.cli import docs

    assert docs.stale(Path(__file__).resolve().parents[1] / "docs") == []


def test_a_redaction_span_is_field_start_end_and_a_malformed_one_is_one_clear_line(capsys):
    from gongkai.cli.client import _span

    assert _span("attachments[0].text:5-23") == {"field": "attachments[0].text", "start": 5, "end": 23}
    assert main(["decide", "c1", "redact", "--hash", "sha256:" + "0" * 64, "--span", "body:twelve",
                 "--token", "t", "--url", "http://127.0.0.1:9"]) == 1
    assert "write FIELD:START-END" in capsys.readouterr().err


def test_keygen_writes_a_private_signer_key_and_prints_the_verifier_that_checks_it(tmp_path, capsys):
    from gongkai.shared import contracts as c
    from gongkai.shared.decisions import KeyRing, sign
    from gongkai.shared.keys import Signer

    out = tmp_path / "review.key"
    assert main(["keygen", "bureau-review-2026", "--out", str(out)]) == 0
    verifier = capsys.readouterr().out.strip()
    signer = Signer.parse(out.read_text())
    assert out.stat().st_mode & 0o777 == 0o600 and verifier == signer.verifier.text()
    decision = c.ReviewDecided(case_id="k", item_id="i", version=1, content_hash="sha256:" + "0" * 64,
                               reviewer="zhao.lei", reviewers=["zhao.lei"], risk="none", required_approvals=1,
                               decided_at="2026-12-01T00:00:00Z")
    assert KeyRing.parse(verifier).problem(c.REVIEW_APPROVED, sign(c.REVIEW_APPROVED, decision, signer)) is None
    assert main(["keygen", "bureau-review-2026", "--out", str(out)]) == 1
    assert "never overwritten" in capsys.readouterr().err and Signer.parse(out.read_text()) == signer
    assert main(["keygen", "bad name", "--out", str(tmp_path / "other.key")]) == 1


async def test_broker_setup_makes_every_account_and_the_topology_and_can_run_again(broker, tmp_path, monkeypatch,
                                                                                  capsys):
    amqp_url, management_url = broker
    accounts = tmp_path / "broker-accounts.json"
    accounts.write_text(json.dumps({"accounts": {party: token_hex(8) for party in BROKER_PARTIES}}))
    prefix, namespace = f"gkc{token_hex(4)}-", f"c{token_hex(5)}"
    settings = Settings(amqp_url=amqp_url, namespace=namespace, broker_prefix=prefix, broker_accounts_file=accounts,
                        broker_management_url=management_url)
    for name, value in {"AMQP_URL": amqp_url, "GONGKAI_NAMESPACE": namespace, "GONGKAI_BROKER_PREFIX": prefix,
                        "GONGKAI_BROKER_ACCOUNTS_FILE": str(accounts),
                        "GONGKAI_BROKER_MANAGEMENT_URL": management_url or ""}.items():
        monkeypatch.setenv(name, value)
    try:
        assert await gongkai("broker", "setup") == 0
        assert await gongkai("broker", "setup") == 0, "a second run changes nothing and fails nothing"
        assert f"accounts {prefix}publishing" in capsys.readouterr().err
        command = new_event(SUBMIT_DISCLOSURE, NOTICE, source="/staff-tool", actor="staff-tool")
        await publish(settings, "intake", command)
        consumer = await connect_as(settings, "publishing")
        async with consumer:
            queue = await (await consumer.channel()).get_queue(Topology(namespace).queue("publishing.intake"),
                                                               ensure=False)
            arrived = await get_eventually(queue)
        assert arrived.message_id == command.id and arrived.user_id == f"{prefix}staff-tool"
    finally:
        await delete_topology(amqp_url, namespace)
        await asyncio.to_thread(broker_setup.delete_users, [prefix + party for party in BROKER_PARTIES],
                                management_url=management_url)




def test_run_all_serves_every_process_counted_from_port_base_and_the_commands_look_there(monkeypatch, capsys):
    from gongkai.cli import main as cli
    from gongkai.cli import processes

    started: list[tuple] = []
    monkeypatch.setattr(processes, "run_all", lambda host, ports: started.append(("all", ports)) or 0)
    monkeypatch.setattr(processes, "run_one", lambda service, host, port: started.append((service, port)) or 0)
    assert main(["run", "all"]) == 0 and main(["run", "all", "--port-base", "9001"]) == 0
    assert main(["run", "review", "--port-base", "9001"]) == 0 and main(["run", "review", "--port", "9"]) == 0
    assert started == [("all", cli.PORTS), ("all", {"publishing": 9001, "review": 9002, "notification": 9003,
                                                     "audit": 9004, "requests": 9005, "participation": 9006,
                                                     "oversight": 9007, "portal": 9010, "console": 9020}),
                       ("review", 9002),
                       ("review", 9)]
    assert cli.PORTS == {"publishing": 8001, "review": 8002, "notification": 8003, "audit": 8004, "requests": 8005,
                         "participation": 8006, "oversight": 8007, "portal": 8010, "console": 8020}
    assert main(["run", "all", "--port", "9001"]) == 1 and "--port-base" in capsys.readouterr().err

    monkeypatch.setenv("GONGKAI_PORT_BASE", "9101")
    assert main(["run", "all"]) == 0 and started[-1] == ("all", cli.ports_from(9101))
    parser = cli._parser()
    assert [parser.parse_args(argv).url for argv in (["item", "i"], ["cases"], ["trail", "i"],
                                                     ["audit", "export", "d"])] == \
        ["http://127.0.0.1:9101", "http://127.0.0.1:9102", "http://127.0.0.1:9104", "http://127.0.0.1:9104"]
    monkeypatch.setenv("GONGKAI_PORT_BASE", "eighty")
    with pytest.raises(SystemExit, match="GONGKAI_PORT_BASE='eighty' is not a port number"):
        main(["--help"])
