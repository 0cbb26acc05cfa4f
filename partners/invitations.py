"""Signed accept / refuse links for partnership invitations.

A link carries the partnership id and its current nonce, signed with the project's SECRET_KEY and dated.
Resending gives the partnership a new nonce, so every earlier link stops working; a link older than
`PARTNER_INVITATION_MAX_AGE_DAYS` has expired.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "partners.invitation"


def new_nonce() -> str:
    return secrets.token_hex(16)


def invitation_max_age() -> timedelta:
    return timedelta(days=settings.PARTNER_INVITATION_MAX_AGE_DAYS)


def invitation_token(partnership) -> str:
    return signing.dumps({"p": partnership.pk, "n": partnership.invitation_nonce}, salt=SALT, compress=True)


def invitation_path(partnership) -> str:
    return reverse("partner_invitation", kwargs={"token": invitation_token(partnership)})


@dataclass(frozen=True)
class ReadToken:
    partnership_id: int | None
    nonce: str = ""
    problem: str = ""  # "expired" or "invalid"


def read_invitation_token(token: str) -> ReadToken:
    try:
        payload = signing.loads(token, salt=SALT, max_age=invitation_max_age())
    except signing.SignatureExpired:
        return ReadToken(partnership_id=None, problem="expired")
    except signing.BadSignature:
        return ReadToken(partnership_id=None, problem="invalid")
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("p"), int)
        or not isinstance(payload.get("n"), str)
    ):
        return ReadToken(partnership_id=None, problem="invalid")
    return ReadToken(partnership_id=payload["p"], nonce=payload["n"])
