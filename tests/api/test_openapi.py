"""The OpenAPI schema is true: generated requests get no 5xx and answers fit the schema.

Schemathesis reads ``/openapi.json`` and sends requests built from it — valid ones and
deliberately broken ones — as an admin, checking each answer against the schema. One
check is left out: "every schema-valid request is accepted". A CRM refuses schema-valid
requests by design — ids that name no record, a wrong current password, a stage of
another pipeline — and answers them with a documented 422 or 409, which the other checks
still hold to the schema.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from rapport.db import session_scope
from rapport.users import tokens
from rapport.users.models import Role, User


@pytest.fixture(scope="module")
def admin_token(app: FastAPI) -> str:
    """An API token of an admin, for every generated request."""
    with session_scope(app.state.sessionmaker) as session:
        user = User(email=f"fuzz-{uuid.uuid4().hex[:8]}@example.com", name="Fuzz",
                    role=Role.ADMIN)  # fmt: skip
        session.add(user)
        session.flush()
        _, secret = tokens.create(session=session, user=user, name="schemathesis", days=None)
    return secret


def test_api_conforms_to_its_schema(app: FastAPI, admin_token: str) -> None:
    """Every operation, up to 15 generated requests each; all failures reported together."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {admin_token}"}
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as error:
            failures[operation.label] = str(error)[:2000]
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
