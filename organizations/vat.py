"""VAT number checks with python-stdnum: real check digits and formats, per country.

`check_vat_number(country, number)` is a pure function: it never touches the database, so forms, services
and the `/api/v1/vat/check` endpoint give the same answer for the same input (its `reason` in the active
language).
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django_countries import countries
from stdnum import exceptions as stdnum_errors
from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.li import peid as li_peid
from stdnum.util import clean, get_cc_module

MAX_INPUT_LENGTH = 40
EU_MEMBER_STATES = frozenset(code.upper() for code in eu_vat.MEMBER_STATES if code != "xi")
# Greece writes EL in front of its VAT numbers, not its ISO code.
EU_VAT_PREFIX = {code: ("EL" if code == "GR" else code) for code in EU_MEMBER_STATES}
EU_COUNTRY_BY_PREFIX = {prefix: code for code, prefix in EU_VAT_PREFIX.items()}
# The official suffixes of a Swiss VAT number, one per national language (TPV: Romansh); the suffix is kept as
# typed, in capitals, like the rest of the compact form.
SWISS_VAT_SUFFIXES = ("MWST", "TVA", "IVA", "TPV")
_ALLOWED_CHARACTERS = re.compile(r"^[A-Za-z0-9 .\-/]+$")


@dataclass(frozen=True)
class VatCheck:
    valid: bool
    compact: str = ""
    formatted: str = ""
    reason: str = ""


def _module_for(country: str):
    if country in EU_MEMBER_STATES:
        return eu_vat
    if country == "CH":
        return ch_vat
    if country == "LI":
        return li_peid
    return get_cc_module(country.lower(), "vat")


def supports_vat_number(country: str) -> bool:
    """Whether numbers of this country can be checked (and so whether a company there must give one)."""
    return bool(country) and _module_for(country.upper()) is not None


def _country_name(code: str) -> str:
    return countries.name(code) or code


def _foreign_country(country: str, compact: str) -> str | None:
    """The country another country's number was typed for, if the prefix gives it away."""
    prefix = compact[:2].upper()
    if compact.upper().startswith("CHE") and country != "CH":
        return "CH"
    if prefix in EU_COUNTRY_BY_PREFIX and EU_COUNTRY_BY_PREFIX[prefix] != country:
        return EU_COUNTRY_BY_PREFIX[prefix]
    if prefix in {"GB", "NO"} and prefix != country:
        return prefix
    return None


def check_vat_number(country: str, number: str) -> VatCheck:
    """Check `number` as a VAT number of an organization established in `country` (ISO 3166 alpha-2)."""
    country = (country or "").upper()
    number = (number or "").strip()
    if not number:
        return VatCheck(valid=False, reason=_("Enter a VAT number."))
    if len(number) > MAX_INPUT_LENGTH:
        return VatCheck(
            valid=False,
            reason=_("A VAT number has at most %(limit)s characters.") % {"limit": MAX_INPUT_LENGTH},
        )
    if not number.isascii() or not _ALLOWED_CHARACTERS.match(number):
        return VatCheck(valid=False, reason=_("Use only letters, digits, spaces, dots and dashes."))
    module = _module_for(country)
    if module is None:
        return VatCheck(
            valid=False,
            reason=_("VAT numbers of %(country)s cannot be checked here.")
            % {"country": _country_name(country)},
        )

    compact = clean(number, " -./").upper()
    foreign = _foreign_country(country, compact)
    if foreign:
        return VatCheck(
            valid=False,
            reason=_("This is a VAT number of %(foreign)s, but the organization is in %(country)s.")
            % {"foreign": _country_name(foreign), "country": _country_name(country)},
        )
    if module is ch_vat and compact.startswith("CHE") and not compact.endswith(SWISS_VAT_SUFFIXES):
        return VatCheck(
            valid=False,
            reason=_("A Swiss VAT number ends with MWST, TVA, IVA or TPV (CHE-123.456.789 MWST)."),
        )
    if module is eu_vat and compact.startswith(country) and country != EU_VAT_PREFIX[country]:
        compact = EU_VAT_PREFIX[country] + compact[len(country) :]  # GR… is written EL…
    if module is eu_vat and not compact[:2].isalpha():
        compact = EU_VAT_PREFIX[country] + compact
    try:
        compact = module.validate(compact)
        if module is eu_vat and compact[:2] != EU_VAT_PREFIX[country]:
            raise stdnum_errors.InvalidComponent()
    except stdnum_errors.InvalidChecksum:
        return VatCheck(valid=False, reason=_("This VAT number is not valid: its check digit is wrong."))
    except stdnum_errors.InvalidLength:
        return VatCheck(
            valid=False,
            reason=_("This VAT number has the wrong length for %(country)s.")
            % {"country": _country_name(country)},
        )
    except stdnum_errors.ValidationError:
        return VatCheck(
            valid=False,
            reason=_("This is not a valid VAT number of %(country)s.") % {"country": _country_name(country)},
        )
    return VatCheck(valid=True, compact=compact, formatted=format_vat_number(country, compact))


def format_vat_number(country: str, compact: str) -> str:
    """The number as people write it (CHE-123.456.789 MWST); the compact form where no format is known."""
    module = _module_for((country or "").upper())
    if module is None or not compact:
        return compact
    if module is eu_vat:
        prefix, national = compact[:2], compact[2:]
        national_module = get_cc_module(EU_COUNTRY_BY_PREFIX.get(prefix, prefix).lower(), "vat")
        if national_module is not None and hasattr(national_module, "format"):
            return f"{prefix} {national_module.format(national)}"
        return f"{prefix} {national}"
    if hasattr(module, "format"):
        return module.format(compact)
    return compact
