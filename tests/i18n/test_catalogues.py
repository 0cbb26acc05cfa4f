"""The translation catalogues are complete, up to date with the code, and valid for gettext.

`make test` fails while French, German or Italian has an untranslated or fuzzy entry, a translation whose
placeholders differ from its English, or a catalogue that `make messages` would still change.
"""

import difflib
import re
import shutil
import subprocess
import sys

import pytest

from tests.i18n.catalogues import (
    ROOT,
    TRANSLATED,
    catalogue_path,
    forms,
    messages,
    placeholders,
    read_catalogue,
)
from tests.i18n.catalogues import catalogue as catalogue_of

# What `makemessages` writes differently on every run.
CREATION_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.mo",
    "*.sqlite3*",
    "media",
    "staticfiles",
    "test-artifacts",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "tests",
)


def _label(message) -> str:
    context = f"[{message.context}] " if message.context else ""
    return f"{context}{forms(message.id)[0]!r}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = messages(language)
    assert catalogue, f"The {language} catalogue has no message."
    problems = [
        f"untranslated: {_label(m)}" for m in catalogue if not all(f.strip() for f in forms(m.string))
    ]
    problems += [f"fuzzy: {_label(m)}" for m in catalogue if m.fuzzy]
    if catalogue_of(language).fuzzy:
        problems.insert(0, "fuzzy: the header (fill it in)")
    assert not problems, f"In {language} (translate, then remove the fuzzy flags):\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalogue_says_its_language(language):
    assert catalogue_of(language).locale_identifier == language


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_and_tags_of_the_english(language):
    wrong = []
    for message in messages(language):
        english = [placeholders(form) for form in forms(message.id)]
        translations = [placeholders(form) for form in forms(message.string)]
        if len(english) == 1:
            ok = set(translations[0]) == set(english[0])
        else:
            # A singular may leave the number out ("un client"); the other forms say what the plural says.
            allowed = set(english[0]) | set(english[1])
            ok = all(set(form) <= allowed for form in translations) and set(translations[-1]) == set(
                english[1]
            )
        if not ok:
            wrong.append(f"{_label(message)} → {message.string!r}")
    assert not wrong, f"Placeholders or tags differ in {language}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", TRANSLATED)
def test_msgfmt_checks_the_catalogue(language, tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install gettext (`make test` does)."
    path = catalogue_path(ROOT, language)
    read_catalogue(path)  # says clearly when the catalogue is missing
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_makemessages_changes_no_catalogue(tmp_path):
    """`make messages` on a copy of the project leaves every catalogue as it is committed: no string of the
    code is missing from them, none is left over, nothing is re-wrapped."""
    for language in TRANSLATED:
        read_catalogue(catalogue_path(ROOT, language))
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"--locale={code}" for code in TRANSLATED), "-v0"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    changed = []
    for language in TRANSLATED:
        committed = CREATION_DATE.sub("", catalogue_path(ROOT, language).read_text(encoding="utf-8"))
        regenerated = CREATION_DATE.sub("", catalogue_path(copy, language).read_text(encoding="utf-8"))
        if committed != regenerated:
            diff = difflib.unified_diff(
                committed.splitlines(),
                regenerated.splitlines(),
                f"committed {language}",
                "make messages",
                n=1,
            )
            changed.append("\n".join(list(diff)[:60]))
    assert not changed, (
        "`make messages` changes the catalogues: run it, translate what is new or fuzzy, and commit.\n"
        + "\n\n".join(changed)
    )
