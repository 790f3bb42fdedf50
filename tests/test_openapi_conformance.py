"""Schemathesis against the OpenAPI documents of the four services, running as processes on the real broker and
database: generated requests (valid and invalid) with a staff token that reaches past 401, and a failure for any
5xx, any status the document does not list, any other content type, and any body that breaks its schema.

Bounded: a fixed number of examples per operation, derandomised so that a run is repeatable.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from gongkai.shared.session_accounts import SessionAccounts, SessionRoles
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, declare_topology, delete_topology, drop_database
from gongkai_system import System, started_system
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# The credential each service is explored with: one that holds the role most of its routes need.
TOKENS = {"publishing": "dev-submitter-token", "review": "dev-reviewer-token", "notification": "dev-admin-token",
          "audit": "dev-auditor-token", "requests": "dev-publisher-token", "participation": "dev-publisher-token",
          "oversight": "dev-publisher-token"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


def document(service: str) -> schemathesis.BaseSchema:
    """The document as the service serves it at /openapi.json (built here, so tests can be collected offline)."""
    app = importlib.import_module(f"gongkai.{service}.app").create_app(Settings())
    return schemathesis.openapi.from_dict(app.openapi())


@pytest.fixture(scope="module")
def system(amqp_url: str, database_server_url: str, broker_accounts: SessionAccounts, database_roles: SessionRoles,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The six services as processes, with the session's accounts and roles, in a namespace of their own."""
    namespace = broker_accounts.namespace()
    database_url = asyncio.run(create_database(database_server_url))
    asyncio.run(declare_topology(amqp_url, namespace))
    settings_ = Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace,
                         **broker_accounts.settings(), **database_roles.settings())
    try:
        with started_system(settings_, Path(tmp_path_factory.mktemp("openapi"))) as running:
            yield running
    finally:
        asyncio.run(delete_topology(amqp_url, namespace))
        asyncio.run(drop_database(database_server_url, database_url))


def explore(service: str):
    schema = document(service)

    @schema.parametrize()
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def test(case, system: System) -> None:
        case.call_and_validate(base_url=system.url(service), checks=CHECKS, timeout=30,
                               headers={"Authorization": f"Bearer {TOKENS[service]}"})

    return test


test_publishing_answers_as_its_openapi_document_says = explore("publishing")
test_review_answers_as_its_openapi_document_says = explore("review")
test_notification_answers_as_its_openapi_document_says = explore("notification")
test_audit_answers_as_its_openapi_document_says = explore("audit")
test_requests_answers_as_its_openapi_document_says = explore("requests")
test_participation_answers_as_its_openapi_document_says = explore("participation")
test_oversight_answers_as_its_openapi_document_says = explore("oversight")
