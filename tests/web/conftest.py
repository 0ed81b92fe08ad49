"""Pages tested over HTTP: the API tests' app per backend and cast, signed in by form."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, Cast, app, cast, make_customer

__all__ = ["app", "cast", "make_customer"]  # fixtures for the tests here

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Visitor:
    """A browser signed in as one of the cast, with its session's CSRF token."""

    client: TestClient
    csrf: str

    def post(self, path: str, data: dict[str, object] | None = None, **kwargs: object) -> object:
        """A form post with the CSRF token, not following redirects."""
        fields = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=fields, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(cast: Cast, name: str) -> Visitor:
    """A new browser signed in through the sign-in form as ``name``."""
    client = TestClient(cast.app)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": cast[name].email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return Visitor(client, csrf_of(client.get("/profile").text))


@pytest.fixture
def visit(cast: Cast) -> type[object]:
    """``visit("rep_a")``: a browser signed in as that person."""

    def visitor(name: str) -> Visitor:
        return sign_in(cast, name)

    return visitor  # type: ignore[return-value]
