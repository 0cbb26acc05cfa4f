"""Answer a money request once per `Idempotency-Key`: a retry with the same key and body gets the first answer
again.

The record is written in the same transaction as the service call it guards, so a failed call leaves no record
(the client may retry with the same key) and a recorded answer always matches a change that happened. Two
concurrent requests with one key are decided by the unique constraint on (user, scope, key): the second one's
insert waits for the first transaction and fails once it commits, and the second request then replays the
first answer instead of changing anything.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.models import IdempotencyRecord
from organizations.models import User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = IdempotencyRecord._meta.get_field("key").max_length


class KeyReused(Exception):
    """The key was already used by this user on this endpoint with another request body."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool


def fingerprint(data: Any) -> str:
    """A hash of the request body that does not depend on the order of its keys."""
    if hasattr(data, "lists"):  # a form-encoded QueryDict: every value of every key
        data = dict(data.lists())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _recorded(user: User, scope: str, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()


def _replay(record: IdempotencyRecord, request_hash: str) -> Answer:
    if record.request_hash != request_hash:
        raise KeyReused(
            _("This %(header)s was already used with another request body; use a new key.")
            % {"header": HEADER}
        )
    return Answer(status=record.response_status, body=record.response_body, replayed=True)


@transaction.atomic
def answer_once(
    *, user: User, scope: str, key: str, request_hash: str, perform: Callable[[], tuple[int, Any]]
) -> Answer:
    """Call `perform()` (which returns a status and a JSON-serializable body) unless `user` already sent `key`
    to `scope`: then replay that answer, or raise `KeyReused` when the body differed."""
    record = _recorded(user, scope, key)
    if record is not None:
        return _replay(record, request_hash)
    try:
        with transaction.atomic():
            # Claim the key first: a concurrent request with the same key waits on this row until we commit.
            record = IdempotencyRecord.objects.create(
                user=user,
                scope=scope,
                key=key,
                request_hash=request_hash,
                response_status=0,
                response_body={},
            )
    except IntegrityError:
        record = _recorded(user, scope, key)
        if record is None:  # cannot happen: the row that beat ours was committed before our insert failed
            raise
        return _replay(record, request_hash)
    status, body = perform()
    record.response_status = status
    record.response_body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    record.save(update_fields=["response_status", "response_body"])
    return Answer(status=status, body=record.response_body, replayed=False)
