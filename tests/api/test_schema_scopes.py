"""What the OpenAPI descriptions say about tokens is what the API enforces: an operation that names a scope
names the one `TokenScopePermission` asks for (its view's family, read for safe methods, write otherwise)."""

import re

import pytest
from django.urls import resolve

from tokens.scopes import MANAGER_FAMILIES

SCOPE = re.compile(rf"`((?:{'|'.join(MANAGER_FAMILIES)}):(?:read|write))`")


@pytest.fixture
def schema(client_of):
    response = client_of(None).get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_every_scope_a_description_names_is_the_one_the_endpoint_asks_for(schema):
    named = 0
    for path, operations in schema["paths"].items():
        view = resolve(re.sub(r"\{\w+\}", "1", path)).func.cls
        for method, operation in operations.items():
            level = "read" if method in ("get", "head", "options") else "write"
            for scope in SCOPE.findall(operation.get("description", "")):
                named += 1
                assert scope == f"{view.token_family}:{level}", f"{method.upper()} {path} says {scope}"
    assert named, "no description names a scope: the pattern no longer matches them"


def test_the_403_a_view_documents_does_not_claim_to_be_the_answer_without_credentials(schema):
    """Without credentials the API answers 401 (documented in tokens/schema.py); 403 is for role or scope."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            forbidden = operation.get("responses", {}).get("403", {}).get("description", "")
            assert "not signed in" not in forbidden.lower(), f"{method.upper()} {path}: {forbidden}"
