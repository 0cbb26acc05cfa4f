"""The token format: `mgr_` + 30 random base62 characters (178 bits from `secrets`) + a 6-character
base62 CRC32 of what precedes it.

The prefix makes a leaked token easy to scan for; the checksum rejects a mistyped or made-up token before any
database lookup. Only the SHA-256 of the whole token is stored: with this much randomness a fast hash is
enough, and the lookup is one indexed equality.
"""

import hashlib
import secrets
import zlib

PREFIX = "mgr_"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
TOKEN_LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH
# What the list shows of a token: its prefix and this many last characters.
TAIL_LENGTH = 4


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def generate() -> str:
    body = PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + checksum(body)


def is_well_formed(token: str) -> bool:
    """Prefix, length, alphabet and checksum: everything that can be checked without the database."""
    if len(token) != TOKEN_LENGTH or not token.startswith(PREFIX):
        return False
    body, check = token[:-CHECKSUM_LENGTH], token[-CHECKSUM_LENGTH:]
    if not all(character in ALPHABET for character in token[len(PREFIX) :]):
        return False
    return secrets.compare_digest(checksum(body), check)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()
