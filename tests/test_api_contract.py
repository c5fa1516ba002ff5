"""The API against its own OpenAPI document: schemathesis generates valid and invalid requests for
every operation and checks that nothing answers 5xx, that every status code and content type is
documented, that every body matches its schema, that valid requests are accepted and invalid ones
rejected. Runs in-process (WSGI) on a seeded world, on SQLite and PostgreSQL.

The document is loaded from the Python data the app serves (the test below checks they are the
same), so that the operations are known when pytest collects; each operation's test then gets a
freshly seeded app. The API only reads, so one world serves every example of an operation.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from webapp.blueprints.api.openapi import DOCUMENT

from .test_api import seed_world

schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture
def seeded_app(app, factory, session):
    seed_world(factory, session)
    return app


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_keeps_its_contract(case, seeded_app):
    # Every check schemathesis has: no server error, documented status codes, content types and
    # headers, response schemas, valid data accepted, invalid data rejected, undeclared methods → 405.
    # Compression is the transport's business (a real client decodes it); the contract is the body.
    case.call_and_validate(app=seeded_app, headers={"Accept-Encoding": "identity"})


def test_the_served_document_is_the_tested_one(client):
    assert client.get("/api/v1/openapi.json").get_json() == DOCUMENT
