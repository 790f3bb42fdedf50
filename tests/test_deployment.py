"""The deployment files (docker-compose.yml, deploy/) agree with the code; no broker, database or Docker needed.

The processes are the four services and the portal (``PORTS``): each runs from the one image, as its own broker
account (the portal as the public site's) and its own database role."""

from __future__ import annotations

import base64
import json
import re
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from gongkai.cli.main import PORTS
from gongkai.shared import accounts, broker
from gongkai.shared.accounts import DATABASE_PARTIES, DEV_BROKER_ACCOUNTS, DEV_DATABASE_ACCOUNTS, SITES, broker_party
from gongkai.shared.identity import Directory, Role, hash_token
from gongkai.shared.migrations import SERVICES
from gongkai.shared.topology import Topology, rabbit_password_hash

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INFRASTRUCTURE = {"rabbitmq", "postgres", "migrate"}
CLIENT_SITES = {"console"}  # clients of the services' HTTP APIs: no broker account, no database role
READY_URL = "http://127.0.0.1:8000/ready"
PROCESSES = tuple(p for p in PORTS if p not in CLIENT_SITES)  # the services and the portal


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(ROOT / "docker-compose.yml")["services"]


@pytest.fixture(scope="module")
def definitions() -> dict:
    return json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text(encoding="utf-8"))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in joined.splitlines() if line.strip()]


def workspace_members() -> list[str]:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["uv"]["workspace"]["members"]
    return sorted(str(p.parent.relative_to(ROOT)) for m in members for p in ROOT.glob(f"{m}/pyproject.toml"))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    return dict(item.split("=", 1) for item in env) if isinstance(env, list) else env


# ---- docker-compose.yml -------------------------------------------------------------------------


def test_the_compose_file_runs_the_broker_the_database_the_migrations_the_services_the_portal_and_the_console(
        compose):
    assert set(compose) == INFRASTRUCTURE | set(SERVICES) | set(SITES) | CLIENT_SITES == \
        INFRASTRUCTURE | set(PORTS)


def test_the_console_runs_the_one_image_on_the_port_of_gongkai_run_all_and_reaches_each_service_by_name(compose):
    console = compose["console"]
    assert console["image"] == compose["publishing"]["image"]
    assert console["command"] == ["run", "console", "--port", "8000"]
    assert console["ports"] == [f"{PORTS['console']}:8000"]
    env = environment(console)
    assert {env[f"GONGKAI_CONSOLE_{name.upper()}_URL"] for name in SERVICES} == {f"http://{n}:8000" for n in SERVICES}
    assert not {"AMQP_URL", "DATABASE_URL"} & set(env)  # a client of the HTTP APIs only
    assert set(console["depends_on"]) == set(SERVICES)


def test_every_gongkai_container_runs_the_one_image_built_from_the_repository_root(compose):
    for name in [*PORTS, "migrate"]:
        build = compose[name]["build"]
        assert (build["context"], build["dockerfile"]) == (".", "deploy/Dockerfile"), name
        assert compose[name]["image"] == compose["publishing"]["image"], name


def test_every_gongkai_service_is_chosen_by_its_command_and_listens_on_port_8000(compose):
    for name in PROCESSES:
        assert compose[name]["command"] == ["run", name, "--port", "8000"]
        assert environment(compose[name])["GONGKAI_HOST"] == "0.0.0.0"


def test_every_gongkai_service_has_its_own_host_port_the_same_as_gongkai_run_all(compose):
    published = {}
    for name in PORTS:
        (mapping,) = compose[name]["ports"]
        host, container = str(mapping).rsplit(":", 1)
        assert container == "8000"
        published[name] = int(host)
    assert published == PORTS
    assert len(set(published.values())) == len(PORTS)


def test_every_gongkai_service_waits_for_a_healthy_broker_and_database_and_finished_migrations(compose):
    for name in PROCESSES:
        assert compose[name]["depends_on"] == {
            "rabbitmq": {"condition": "service_healthy"},
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name


def test_every_gongkai_service_is_healthy_only_when_its_ready_endpoint_answers(compose):
    for name in PROCESSES:
        check = compose[name]["healthcheck"]["test"]
        assert check[:3] == ["CMD", "python", "-c"], name
        assert "urllib.request" in check[3] and READY_URL in check[3], name
        compile(check[3], f"{name} healthcheck", "exec")


def test_every_gongkai_service_restarts_and_gets_time_to_finish_its_messages_on_stop(compose):
    for name in PROCESSES:
        assert compose[name]["restart"] == "unless-stopped"
        assert compose[name]["stop_grace_period"] == "30s"


def test_the_migrations_run_once_after_the_database_is_healthy(compose):
    migrate = compose["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    migrated = urlsplit(environment(migrate)["DATABASE_URL"])
    for name in PROCESSES:
        used = urlsplit(environment(compose[name])["DATABASE_URL"])
        assert (migrated.hostname, migrated.port, migrated.path) == (used.hostname, used.port, used.path), name


def test_the_migrations_run_as_the_administrator_postgres_creates_with_its_password(compose):
    postgres = compose["postgres"]
    assert postgres["image"].split(":")[1].split(".")[0] == "15"
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    password = environment(postgres)["POSTGRES_PASSWORD"]
    url = environment(compose["migrate"])["DATABASE_URL"]
    assert url == f"postgresql://postgres:{password}@postgres:5432/{environment(postgres)['POSTGRES_DB']}"


def test_every_service_connects_to_the_database_as_its_own_runtime_role_with_the_password_migrate_gives_it(compose):
    passwords = accounts.passwords(DEV_DATABASE_ACCOUNTS)
    database = environment(compose["postgres"])["POSTGRES_DB"]
    for name in PROCESSES:
        url = urlsplit(environment(compose[name])["DATABASE_URL"])
        assert (url.hostname, url.port, url.path) == ("postgres", 5432, f"/{database}")
        assert (url.username, url.password) == (f"gongkai_{name}", passwords[name]), name


def test_the_broker_is_rabbitmq_3_10_or_newer_with_management_and_a_health_check(compose):
    rabbitmq = compose["rabbitmq"]
    image, tag = rabbitmq["image"].split(":")
    assert image == "rabbitmq" and tag.endswith("-management")
    assert tuple(int(part) for part in tag.removesuffix("-management").split(".")[:2]) >= (3, 10)
    assert rabbitmq["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q", "ping"]


def test_the_broker_loads_the_committed_configuration_plugins_and_definitions(compose):
    mounts = {}
    for volume in compose["rabbitmq"]["volumes"]:
        source, target, *_ = volume.split(":")
        mounts[target] = source
    conf = {"/etc/rabbitmq/rabbitmq.conf": "./deploy/rabbitmq/rabbitmq.conf",
            "/etc/rabbitmq/enabled_plugins": "./deploy/rabbitmq/enabled_plugins",
            "/etc/rabbitmq/definitions.json": "./deploy/rabbitmq/definitions.json"}
    assert conf.items() <= mounts.items()
    for source in conf.values():
        assert (ROOT / source).is_file(), source
    settings = {key.strip(): value.strip() for key, value in (
        line.split("=", 1) for line in (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#"))}
    assert settings["load_definitions"] == "/etc/rabbitmq/definitions.json"
    assert (DEPLOY / "rabbitmq" / "enabled_plugins").read_text().strip() == "[rabbitmq_management]."


def users(definitions: dict) -> dict[str, dict]:
    return {user["name"]: user for user in definitions["users"]}


def test_every_service_reaches_the_broker_as_its_own_account_that_the_definitions_create(compose, definitions):
    created = users(definitions)
    for name in PROCESSES:
        url = urlsplit(environment(compose[name])["AMQP_URL"])
        assert (url.scheme, url.hostname, url.port) == ("amqp", "rabbitmq", 5672)
        assert url.username == f"gongkai-{broker_party(name)}"  # the portal reads as gongkai-public-site
        stored = base64.b64decode(created[url.username]["password_hash"])
        assert rabbit_password_hash(url.password, stored[:4]) == created[url.username]["password_hash"], \
            f"{name}: password and hash differ"


# ---- deploy/rabbitmq/definitions.json ---------------------------------------------------------


def test_the_committed_definitions_are_the_topology_and_accounts_in_code(definitions):
    expected = broker.definitions(prefix="gongkai-", passwords=accounts.passwords(DEV_BROKER_ACCOUNTS),
                                  namespace_pattern="gongkai", topic_namespaces=["gongkai"],
                                  topology=Topology("gongkai"))
    assert set(definitions) == set(expected)
    for key in ("vhosts", "exchanges", "queues", "bindings", "permissions", "topic_permissions"):
        assert definitions[key] == expected[key], f"{key} drifted: run `make definitions`"
    assert [{k: v for k, v in u.items() if k != "password_hash"} for u in definitions["users"]] == \
        [{k: v for k, v in u.items() if k != "password_hash"} for u in expected["users"]]


def test_the_definitions_bring_an_account_per_party_with_the_development_passwords_and_no_guest(definitions):
    created = users(definitions)
    passwords = accounts.passwords(DEV_BROKER_ACCOUNTS)
    assert set(created) == {f"gongkai-{party}" for party in passwords} and "guest" not in created
    for party, password in passwords.items():
        user = created[f"gongkai-{party}"]
        assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
        assert rabbit_password_hash(password, base64.b64decode(user["password_hash"])[:4]) == user["password_hash"]
    assert {name for name, user in created.items() if user["tags"]} == {"gongkai-operator"}
    assert all("impersonator" not in user["tags"] for user in created.values())


# ---- deploy/Dockerfile ------------------------------------------------------------------------


def test_the_image_is_python_3_11_slim_with_a_pinned_uv():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert any(op == "RUN" and re.search(r"\bpip install (--no-cache-dir )?uv==\d+\.\d+\.\d+\b", args)
               for op, args in instructions)


def test_the_image_installs_every_workspace_package_pinned_by_the_constraints_and_not_editable():
    instructions = dockerfile_instructions()
    (install,) = [args for op, args in instructions if op == "RUN" and "uv pip install" in args]
    words = shlex.split(install.split("&&")[0])
    assert {"--system", "--no-sources"} <= set(words)
    assert "-e" not in words and "--editable" not in words
    assert words[words.index("-c") + 1] == "constraints.txt"
    assert words[words.index("--build-constraint") + 1] == "constraints.txt"
    targets = sorted(w.removeprefix("./") for w in words if w.startswith("./"))
    assert targets == workspace_members()
    copied = {args.split()[0] for op, args in instructions if op == "COPY"}
    assert {"constraints.txt"} | {member.split("/")[0] for member in targets} <= copied


def test_the_image_runs_gongkai_as_a_non_root_user_on_port_8000_of_every_interface():
    instructions = dockerfile_instructions()
    ops = [op for op, _ in instructions]
    user = [args for op, args in instructions if op == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert ops.index("USER") > max(i for i, (op, args) in enumerate(instructions) if "uv pip install" in args)
    assert [json.loads(args) for op, args in instructions if op == "ENTRYPOINT"] == [["gongkai"]]
    assert ("EXPOSE", "8000") in instructions
    assert ("ENV", "GONGKAI_HOST=0.0.0.0") in instructions


def test_the_build_context_leaves_out_the_virtualenv_git_caches_and_real_secrets():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".git", "**/__pycache__", "deploy/config/credentials.json"} <= ignored


def test_the_files_a_service_reads_at_run_time_are_inside_the_package_its_wheel_takes():
    """hatchling puts every file under ``src/gongkai`` into the wheel; these must live there."""
    needed = [ROOT / "shared/src/gongkai/shared/dev_credentials.json", DEV_BROKER_ACCOUNTS, DEV_DATABASE_ACCOUNTS,
              ROOT / "services/publishing/src/gongkai/publishing/catalogue.json"]
    needed += [ROOT / "sites/portal/src/gongkai/portal/templates/base.html",
               ROOT / "sites/portal/src/gongkai/portal/static/portal.css"]
    for service in DATABASE_PARTIES:
        package = ROOT / ("sites" if service in SITES else "services") / service / "src" / "gongkai" / service
        if (package / "app.py").exists():  # implemented: `gongkai migrate` needs its migrations
            migrations = package / "migrations"
            needed += [migrations / "env.py", migrations / "script.py.mako"]
            assert list((migrations / "versions").glob("*.py")), f"{service} has no migration"
    for path in needed:
        assert path.is_file(), path
        project = next(p for p in path.parents if (p / "pyproject.toml").exists())
        wheel = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"]
        assert wheel == {"packages": ["src/gongkai"]}, f"{project.name}: a wheel option may leave files out"
        assert path.is_relative_to(project / "src" / "gongkai")


# ---- pins and registries ----------------------------------------------------------------------


def test_the_constraints_pin_every_package_as_name_equals_version_only():
    lines = [line for line in (ROOT / "constraints.txt").read_text().splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*==[0-9][0-9A-Za-z.+!-]*", line), line


def test_no_committed_install_file_names_a_url():
    files = [ROOT / "constraints.txt", ROOT / "requirements-dev.txt", DEPLOY / "Dockerfile",
             *sorted(ROOT.glob("pyproject.toml")), *sorted(ROOT.glob("*/pyproject.toml")),
             *sorted(ROOT.glob("services/*/pyproject.toml")), *sorted(ROOT.glob("sites/*/pyproject.toml"))]
    assert len(files) >= 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path.relative_to(ROOT)


# ---- production ---------------------------------------------------------------------------------


def test_the_production_override_gives_each_service_its_own_new_passwords_and_mounts_the_secrets():
    override = load_yaml(DEPLOY / "compose.production.yml")
    assert override["secrets"]["gongkai-credentials"]["file"] == "./deploy/config/credentials.json"
    assert override["secrets"]["gongkai-database-accounts"]["file"] == "./deploy/config/database-accounts.json"
    for name in PROCESSES:
        service = override["services"][name]
        env = environment(service)
        assert env["GONGKAI_ENV"] == "production"
        assert env["GONGKAI_CREDENTIALS_FILE"] == "/run/secrets/gongkai-credentials"
        assert "gongkai-credentials" in service["secrets"]
        assert "gongkai-database-accounts" not in service["secrets"], "a service needs only its own password"
        party = broker_party(name)
        variable = f"GONGKAI_BROKER_PASSWORD_{party.upper().replace('-', '_')}"
        assert env["AMQP_URL"].startswith(f"amqp://gongkai-{party}:${{{variable}:?")
        assert env["DATABASE_URL"].startswith(
            f"postgresql://gongkai_{name}:${{GONGKAI_DATABASE_PASSWORD_{name.upper()}:?")
    migrate = override["services"]["migrate"]
    assert environment(migrate)["GONGKAI_DATABASE_ACCOUNTS_FILE"] == "/run/secrets/gongkai-database-accounts"
    assert "${POSTGRES_PASSWORD:?" in environment(migrate)["DATABASE_URL"]
    assert "./deploy/config/definitions.json:/etc/rabbitmq/definitions.json:ro" in \
        override["services"]["rabbitmq"]["volumes"]
    signing = {name: override["services"][name]["secrets"] for name in ("audit", "review", "publishing")}
    assert "gongkai-audit-signing-key" in signing["audit"] and "gongkai-review-signing-key" in signing["review"]
    assert environment(override["services"]["review"])["GONGKAI_REVIEW_SIGNING_KEY_FILE"] == \
        "/run/secrets/gongkai-review-signing-key"
    assert environment(override["services"]["publishing"])["GONGKAI_REVIEW_KEYS_FILE"] == \
        "/run/secrets/gongkai-review-keys" and "gongkai-review-keys" in signing["publishing"]
    for name in set(SERVICES) - {"review"}:
        assert "gongkai-review-signing-key" not in override["services"][name]["secrets"], "only review signs"
    ignored = (DEPLOY / "config" / ".gitignore").read_text().split()
    assert {"credentials.json", "definitions.json", "broker-accounts.json", "database-accounts.json",
            "accounts.env", "audit-signing-key", "review-signing-key", "review-keys"} <= set(ignored)


@pytest.mark.parametrize(("example", "parties"), [("broker-accounts", {*accounts.BROKER_PARTIES, accounts.OPERATOR}),
                                                  ("database-accounts", set(DATABASE_PARTIES))])
def test_the_example_accounts_files_name_every_party_and_are_refused_until_filled_in(example, parties):
    path = DEPLOY / "config" / f"{example}.example.json"
    assert set(json.loads(path.read_text(encoding="utf-8"))["accounts"]) == parties
    with pytest.raises(accounts.AccountsFileError, match="no real password yet"):
        accounts.passwords(path)


def test_the_example_credentials_file_has_the_production_format_and_is_refused_until_filled_in(tmp_path):
    example = json.loads((DEPLOY / "config" / "credentials.example.json").read_text(encoding="utf-8"))
    principals = example["principals"]
    assert all(set(p) == {"id", "name", "unit", "roles", "token_sha256"} for p in principals)
    assert {role for p in principals for role in p["roles"]} == {r.value for r in Role}
    with pytest.raises(ValueError, match="token_sha256"):
        Directory.load(DEPLOY / "config" / "credentials.example.json")
    filled = tmp_path / "credentials.json"
    for p in principals:
        p["token_sha256"] = hash_token(f"token-of-{p['id']}")
    filled.write_text(json.dumps(example, ensure_ascii=False), encoding="utf-8")
    assert Directory.load(filled).authenticate("Bearer token-of-xu.li").roles == frozenset({Role.reviewer})
