"""The token format: a recognisable prefix, 178 random bits and a checksum, so a malformed token is refused
before any database lookup."""

import pytest
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIRequestFactory

from tokens import secrets
from tokens.authentication import BearerAuthentication


def test_a_token_has_the_prefix_random_base62_and_a_valid_checksum():
    tokens = {secrets.generate() for _ in range(200)}

    assert len(tokens) == 200
    for token in tokens:
        assert token.startswith("mgr_")
        assert len(token) == secrets.TOKEN_LENGTH == 40
        assert set(token[4:]) <= set(secrets.ALPHABET)
        assert secrets.is_well_formed(token)


def test_the_checksum_catches_a_changed_or_made_up_token():
    token = secrets.generate()
    changed = token[:10] + ("a" if token[10] != "a" else "b") + token[11:]

    assert not secrets.is_well_formed(changed)
    assert not secrets.is_well_formed("mgr_" + "A" * 36)
    assert not secrets.is_well_formed(token[:-1])
    assert not secrets.is_well_formed("ghp_" + token[4:])
    assert not secrets.is_well_formed(token[:20] + "-" + token[21:])


def test_the_hash_is_sha256_of_the_whole_token():
    token = secrets.generate()
    assert secrets.digest(token) == __import__("hashlib").sha256(token.encode()).hexdigest()
    assert secrets.digest(token) != secrets.digest(secrets.generate())


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer mgr_short", "Malformed API token"),
        ("Bearer " + "mgr_" + "A" * 36, "Malformed API token"),
        ("Bearer mgr_é" + "A" * 35, "Malformed API token"),
        ("Bearer", "Invalid Authorization header"),
        ("Bearer two parts", "Invalid Authorization header"),
    ],
)
def test_a_malformed_token_is_refused_without_any_query(db, django_assert_num_queries, header, message):
    request = APIRequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=header.encode("utf-8"))

    with django_assert_num_queries(0), pytest.raises(AuthenticationFailed) as refusal:
        BearerAuthentication().authenticate(request)

    assert message in str(refusal.value.detail)


def test_a_well_formed_but_unknown_token_costs_one_query(db, django_assert_num_queries):
    request = APIRequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secrets.generate()}")

    with django_assert_num_queries(1), pytest.raises(AuthenticationFailed, match="Unknown API token"):
        BearerAuthentication().authenticate(request)


def test_other_schemes_are_left_to_the_other_authenticators(db):
    request = APIRequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert BearerAuthentication().authenticate(request) is None
