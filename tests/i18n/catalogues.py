"""The committed translation catalogues, read with Babel, and the words each language uses."""

import re
from collections import Counter
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# English is the source language: it has no catalogue of its own.
TRANSLATED = ("fr", "de", "it")

# `%(name)s`, `%s`, `%d`, `%%` and `{name}`; HTML tags must survive translation as well (a lost <a> is a
# lost link).
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]|\{[\w.]*\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b")
WORD = re.compile(r"[^\W\d_]{2,}")


def catalogue_path(root: Path, language: str) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def read_catalogue(path: Path) -> Catalog:
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing: run `make messages`, then translate it."
    with path.open("rb") as po:
        return read_po(po, ignore_obsolete=True, abort_invalid=True)


@cache
def catalogue(language: str) -> Catalog:
    return read_catalogue(catalogue_path(ROOT, language))


def messages(language: str) -> list[Message]:
    """Every message of the language's catalogue, without the header."""
    return [message for message in catalogue(language) if message.id]


def forms(value) -> list[str]:
    """The singular and plural forms of a msgid or msgstr (one form when it has no plural)."""
    if isinstance(value, tuple | list):
        return [form or "" for form in value]
    return [value or ""]


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text)) + Counter(f"<{tag.lower()}>" for tag in TAG.findall(text))


def words(text: str) -> set[str]:
    """The words of a text, in lower case, without its placeholders and tags."""
    text = TAG.sub(" ", PLACEHOLDER.sub(" ", text))
    return {word.lower() for word in WORD.findall(text)}


@cache
def vocabulary(language: str) -> frozenset[str]:
    """The words the language's translations use."""
    used = set()
    for message in messages(language):
        for form in forms(message.string):
            used |= words(form)
    return frozenset(used)


@cache
def english_vocabulary() -> frozenset[str]:
    """The words of the console's English strings (the msgids, the same in every catalogue)."""
    used = set()
    for language in TRANSLATED:
        for message in messages(language):
            for form in forms(message.id):
                used |= words(form)
    return frozenset(used)
