"""Credentials: hashed at rest, checked by one helper; production refuses development secrets."""

from __future__ import annotations

import json

import pytest
from gongkai.shared.accounts import DEV_BROKER_ACCOUNTS, DEV_DATABASE_ACCOUNTS
from gongkai.shared.errors import Forbidden, Unauthenticated
from gongkai.shared.identity import Directory, Role, hash_token
from gongkai.shared.settings import DEV_CREDENTIALS, Settings
from pydantic import ValidationError


@pytest.fixture
def directory(tmp_path):
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps({"principals": [
        {"id": "li.na", "name": "李娜", "unit": "办公室", "roles": ["submitter"], "token_sha256": hash_token("s3cret")},
    ]}), encoding="utf-8")
    return Directory.load(path)


def test_a_known_token_maps_to_its_person_unit_and_roles(directory):
    principal = directory.authenticate("Bearer s3cret")
    assert (principal.id, principal.unit, principal.roles) == ("li.na", "办公室", frozenset({Role.submitter}))
    assert principal.require(Role.submitter) is principal


@pytest.mark.parametrize("header", [None, "", "s3cret", "Basic s3cret", "Bearer ", "Bearer wrong"])
def test_a_missing_malformed_or_unknown_credential_is_unauthenticated(directory, header):
    with pytest.raises(Unauthenticated):
        directory.authenticate(header)


@pytest.mark.parametrize("header", [42, b"Bearer s3cret", ["Bearer s3cret"], {"token": "s3cret"}, 1.5, True,
                                    "Bearer s3\x00cret", "Bearer \ud800", "Bearer 密码", "Bearer " + "x" * 5000])
def test_a_credential_that_is_not_the_text_bearer_token_is_unauthenticated_never_an_error(directory, header):
    with pytest.raises(Unauthenticated, match="malformed credential"):
        directory.authenticate(header)


def test_a_missing_role_is_forbidden(directory):
    with pytest.raises(Forbidden, match="reviewer"):
        directory.authenticate("Bearer s3cret").require(Role.reviewer)


def test_the_credentials_file_holds_no_plain_tokens():
    text = DEV_CREDENTIALS.read_text(encoding="utf-8")
    assert "dev-submitter-token" not in text
    assert Directory.load(DEV_CREDENTIALS).authenticate("Bearer dev-submitter-token").id == "li.na"


def test_a_file_listing_someone_twice_is_refused(tmp_path):
    entry = {"id": "a", "name": "A", "unit": "U", "roles": ["auditor"], "token_sha256": "0" * 64}
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"principals": [entry, entry | {"token_sha256": "1" * 64}]}))
    with pytest.raises(ValueError, match="twice"):
        Directory.load(path)


def test_production_refuses_missing_or_development_credentials_and_the_guest_account(tmp_path):
    with pytest.raises(ValidationError, match="CREDENTIALS_FILE is required"):
        Settings(env="production", amqp_url="amqp://gk:pw@mq/")
    with pytest.raises(ValidationError, match="development credentials"):
        Settings(env="production", credentials_file=DEV_CREDENTIALS, amqp_url="amqp://gk:pw@mq/")
    real = tmp_path / "credentials.json"
    with pytest.raises(ValidationError, match="guest"):
        Settings(env="production", credentials_file=real)
    with pytest.raises(ValidationError, match="development account"):
        Settings(env="production", credentials_file=real, amqp_url="amqp://gongkai:gongkai-dev@mq/")
    assert Settings(env="production", credentials_file=real, amqp_url="amqp://gk:pw@mq/").credentials_path == real


def test_database_urls_are_given_the_asyncpg_driver():
    assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+asyncpg://u@h/db"
    with pytest.raises(ValidationError):
        Settings(database_url="mysql://u@h/db")


def test_each_party_connects_as_its_own_account_with_the_host_of_the_urls_given(tmp_path):
    settings = Settings(amqp_url="amqp://guest:guest@mq.internal:5673/vh", database_url="postgresql://postgres@db/gk")
    assert settings.amqp_url_for("publishing") == "amqp://gongkai-publishing:dev-publishing-broker@mq.internal:5673/vh"
    assert settings.amqp_url_for("staff-tool").startswith("amqp://gongkai-staff-tool:dev-staff-tool-broker@")
    assert settings.database_url_for("audit") == "postgresql+asyncpg://gongkai_audit:dev-audit-db@db/gk"
    assert (settings.database_role("review"), settings.database_owner("review")) == ("gongkai_review",
                                                                                      "gongkai_review_owner")
    file = tmp_path / "accounts.json"
    file.write_text(json.dumps({"accounts": {"review": "p@ss/word"}}))
    own = Settings(amqp_url="amqp://review-own:pw@mq/", broker_accounts_file=file, broker_prefix="x-")
    assert own.amqp_url_for("review") == "amqp://x-review:p%40ss%2Fword@mq/"
    assert own.amqp_url_for("publishing") == "amqp://review-own:pw@mq/", "no entry: AMQP_URL as given"


def test_production_uses_no_accounts_file_unless_given_and_refuses_development_passwords(tmp_path):
    real = tmp_path / "credentials.json"
    production = {"env": "production", "credentials_file": real, "amqp_url": "amqp://gongkai-review:s3cret@mq/"}
    assert Settings(**production).amqp_url_for("review") == "amqp://gongkai-review:s3cret@mq/"
    for field, dev in (("broker_accounts_file", DEV_BROKER_ACCOUNTS),
                       ("database_accounts_file", DEV_DATABASE_ACCOUNTS)):
        with pytest.raises(ValidationError, match=r"development .* accounts file"):
            Settings(**production, **{field: dev})
    with pytest.raises(ValidationError, match="development account"):
        Settings(**{**production, "amqp_url": "amqp://gongkai-review:dev-review-broker@mq/"})
    with pytest.raises(ValidationError, match="development database password"):
        Settings(**production, database_url="postgresql://gongkai_review:dev-review-db@db/gk")
    copied = tmp_path / "broker-accounts.json"
    copied.write_text(json.dumps({"accounts": {"review": "s3cret", "audit": "dev-audit-broker"}}))
    with pytest.raises(ValidationError, match="holds a development password"):
        Settings(**production, broker_accounts_file=copied)
    broken = tmp_path / "broken.json"
    broken.write_text('{"accounts": ["review"]}')
    with pytest.raises(ValidationError, match="expected"):
        Settings(**production, database_accounts_file=broken)
