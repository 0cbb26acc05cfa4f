"""VAT number checks: one table per rule, valid numbers taken from python-stdnum's own examples."""

import pytest

from organizations.vat import check_vat_number, format_vat_number, supports_vat_number

WRONG_CHECK_DIGIT = "This VAT number is not valid: its check digit is wrong."
ONLY_ALLOWED_CHARACTERS = "Use only letters, digits, spaces, dots and dashes."
SWISS_SUFFIX_MISSING = "A Swiss VAT number ends with MWST, TVA, IVA or TPV (CHE-123.456.789 MWST)."


# (country, as typed, stored compact form, formatted form)
VALID_NUMBERS = [
    # The 27 EU member states: stored with the VAT prefix of the country (EL for Greece).
    ("AT", "ATU13585627", "ATU13585627", "AT U13585627"),
    ("BE", "BE 428759497", "BE0428759497", "BE 0428759497"),
    ("BG", "BG 175 074 752", "BG175074752", "BG 175074752"),
    ("CY", "CY-10259033P", "CY10259033P", "CY 10259033P"),
    ("CZ", "CZ 25123891", "CZ25123891", "CZ 25123891"),
    ("DE", "DE136695976", "DE136695976", "DE 136695976"),
    ("DK", "DK 13585628", "DK13585628", "DK 13585628"),
    ("EE", "EE100594102", "EE100594102", "EE 100594102"),
    ("ES", "ES B-64717838", "ESB64717838", "ES B64717838"),
    ("FI", "FI 20774740", "FI20774740", "FI 20774740"),
    ("FR", "FR 23 334 175 221", "FR23334175221", "FR 23334175221"),
    ("GR", "EL 094259216", "EL094259216", "EL 094259216"),
    ("HR", "HR 33392005961", "HR33392005961", "HR 33392005961"),
    ("HU", "HU-12892312", "HU12892312", "HU 12892312"),
    ("IE", "IE 6433435F", "IE6433435F", "IE 6433435F"),
    ("IT", "IT 00743110157", "IT00743110157", "IT 00743110157"),
    ("LT", "LT 119511515", "LT119511515", "LT 119511515"),
    ("LU", "LU 150 274 42", "LU15027442", "LU 15027442"),
    ("LV", "LV 4000 3521 600", "LV40003521600", "LV 40003521600"),
    ("MT", "MT 1167-9112", "MT11679112", "MT 11679112"),
    ("NL", "NL004495445B01", "NL004495445B01", "NL 004495445B01"),
    ("PL", "PL 8567346215", "PL8567346215", "PL 856-734-62-15"),
    ("PT", "PT 501 964 843", "PT501964843", "PT 501964843"),
    ("RO", "RO 185 472 90", "RO18547290", "RO 18547290"),
    ("SE", "SE 123456789701", "SE123456789701", "SE 123456789701"),
    ("SI", "SI 5022 3054", "SI50223054", "SI 50223054"),
    ("SK", "SK 202 274 96 19", "SK2022749619", "SK 2022749619"),
    # Switzerland: the UID with one of the four language suffixes (TPV: Romansh), kept in capitals.
    ("CH", "CHE-116.281.710 MWST", "CHE116281710MWST", "CHE-116.281.710 MWST"),
    ("CH", "CHE-116.281.710 TVA", "CHE116281710TVA", "CHE-116.281.710 TVA"),
    ("CH", "CHE-107.787.577 IVA", "CHE107787577IVA", "CHE-107.787.577 IVA"),
    ("CH", "CHE-107.787.577 TPV", "CHE107787577TPV", "CHE-107.787.577 TPV"),
    ("CH", "che 107.787.577 tpv", "CHE107787577TPV", "CHE-107.787.577 TPV"),
    # Liechtenstein, Norway, United Kingdom.
    ("LI", "1234567", "1234567", "1234567"),
    ("NO", "NO 995 525 828 MVA", "995525828MVA", "NO 995 525 828 MVA"),
    ("GB", "GB 980 7806 84", "980780684", "980 7806 84"),
]


@pytest.mark.parametrize(("country", "typed", "compact", "formatted"), VALID_NUMBERS)
def test_a_valid_number_is_accepted_stored_compact_and_formatted(country, typed, compact, formatted):
    result = check_vat_number(country, typed)

    assert result.valid, result.reason
    assert result.compact == compact
    assert result.formatted == formatted
    assert result.reason == ""


def test_the_table_covers_every_eu_member_state():
    eu_member_states = {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }  # fmt: skip
    assert eu_member_states <= {country for country, *_ in VALID_NUMBERS}


# (country, as typed, stored compact form): what people type is normalized to the same stored form.
NORMALIZED = [
    ("DE", "DE 136 695 976", "DE136695976"),
    ("DE", "DE.136.695.976", "DE136695976"),
    ("DE", "DE-136-695-976", "DE136695976"),
    ("DE", "de 136.695-976", "DE136695976"),
    ("DE", "  DE136695976  ", "DE136695976"),
    ("DE", "136695976", "DE136695976"),
    ("de", "DE136695976", "DE136695976"),
    ("FR", "23334175221", "FR23334175221"),
    ("AT", "u13585627", "ATU13585627"),
    ("NL", "4495445B01", "NL004495445B01"),
    ("GR", "094259216", "EL094259216"),
    ("GR", "el 094 259 216", "EL094259216"),
    ("CH", "che-116.281.710 mwst", "CHE116281710MWST"),
    ("CH", "CHE 116 281 710 TVA", "CHE116281710TVA"),
    ("LI", "00001234567", "1234567"),
    ("NO", "995525828mva", "995525828MVA"),
    ("GB", "980780684", "980780684"),
]


@pytest.mark.parametrize(("country", "typed", "compact"), NORMALIZED)
def test_spaces_dots_dashes_case_and_a_missing_prefix_are_normalized(country, typed, compact):
    result = check_vat_number(country, typed)

    assert result.valid, result.reason
    assert result.compact == compact


def test_a_greek_number_typed_with_the_iso_code_gr_is_stored_with_el():
    """Greeks often type GR (their ISO code); the number is valid and is stored the VIES way, with EL."""
    result = check_vat_number("GR", "GR 094259216")

    assert result.valid, result.reason
    assert result.compact == "EL094259216"


# (country, as typed, reason)
INVALID_NUMBERS = [
    # Wrong check digit.
    ("DE", "DE136695978", WRONG_CHECK_DIGIT),
    ("AT", "ATU13585626", WRONG_CHECK_DIGIT),
    ("FR", "FR84323140391", WRONG_CHECK_DIGIT),
    ("GR", "EL123456781", WRONG_CHECK_DIGIT),
    ("CH", "CHE-107.787.578 IVA", WRONG_CHECK_DIGIT),
    ("CH", "CHE-107.787.578 TPV", WRONG_CHECK_DIGIT),
    ("NO", "NO 995 525 829 MVA", WRONG_CHECK_DIGIT),
    ("GB", "GB 802311781", WRONG_CHECK_DIGIT),
    # Another country's number.
    ("DE", "FR23334175221", "This is a VAT number of France, but the organization is in Germany."),
    ("DE", "ATU13585627", "This is a VAT number of Austria, but the organization is in Germany."),
    ("DE", "EL094259216", "This is a VAT number of Greece, but the organization is in Germany."),
    ("DE", "CHE-107.787.577 IVA", "This is a VAT number of Switzerland, but the organization is in Germany."),
    ("CH", "DE136695976", "This is a VAT number of Germany, but the organization is in Switzerland."),
    ("FR", "GB980780684", "This is a VAT number of United Kingdom, but the organization is in France."),
    (
        "LI",
        "CHE-116.281.710 MWST",
        "This is a VAT number of Switzerland, but the organization is in Liechtenstein.",
    ),
    # Wrong length and garbage.
    ("DE", "DE12345", "This VAT number has the wrong length for Germany."),
    ("LI", "123", "This VAT number has the wrong length for Liechtenstein."),
    ("DE", "hello world", "This is not a valid VAT number of Germany."),
    ("DE", "ABCDEFGHIJ", "This is not a valid VAT number of Germany."),
    ("DE", "garbage!!", ONLY_ALLOWED_CHARACTERS),
    ("DE", "DE136695976; DROP TABLE", ONLY_ALLOWED_CHARACTERS),
    ("DE", "<script>", ONLY_ALLOWED_CHARACTERS),
    ("DE", "DE\t136695976", ONLY_ALLOWED_CHARACTERS),
    # Unicode: fullwidth digits and letters, emoji, Cyrillic look-alikes, Arabic-Indic digits.
    ("DE", "\uff11\uff13\uff16\uff16\uff19\uff15\uff19\uff17\uff16", ONLY_ALLOWED_CHARACTERS),  # fullwidth
    ("DE", "\uff24\uff25136695976", ONLY_ALLOWED_CHARACTERS),  # fullwidth DE
    ("DE", "DE136695976😀", ONLY_ALLOWED_CHARACTERS),
    ("DE", "\u0414\u0415136695976", ONLY_ALLOWED_CHARACTERS),  # Cyrillic
    ("DE", "\u0661\u0663\u0666\u0666\u0669\u0665\u0669\u0667\u0666", ONLY_ALLOWED_CHARACTERS),  # Arabic-Indic
    # Too long, empty.
    ("DE", "1" * 200, "A VAT number has at most 40 characters."),
    ("DE", "D" * 41, "A VAT number has at most 40 characters."),
    ("DE", "", "Enter a VAT number."),
    ("DE", "   ", "Enter a VAT number."),
    ("DE", None, "Enter a VAT number."),
    # A Swiss number needs its language suffix.
    ("CH", "CHE-116.281.710", SWISS_SUFFIX_MISSING),
    ("CH", "CHE116281710", SWISS_SUFFIX_MISSING),
    ("CH", "CHE-116.281.710 VAT", SWISS_SUFFIX_MISSING),
    # Countries whose numbers cannot be checked.
    ("US", "123456789", "VAT numbers of United States of America cannot be checked here."),
    ("HK", "123456789", "VAT numbers of Hong Kong cannot be checked here."),
]


@pytest.mark.parametrize(("country", "typed", "reason"), INVALID_NUMBERS)
def test_an_invalid_number_is_refused_with_the_reason(country, typed, reason):
    result = check_vat_number(country, typed)

    assert not result.valid
    assert result.reason == reason
    assert result.compact == ""
    assert result.formatted == ""


@pytest.mark.parametrize(
    ("country", "supported"),
    [
        ("DE", True),
        ("FR", True),
        ("GR", True),
        ("CH", True),
        ("LI", True),
        ("NO", True),
        ("GB", True),
        ("de", True),
        ("ch", True),
        ("US", False),
        ("HK", False),
        ("", False),
    ],
)
def test_supports_vat_number_says_whether_a_country_s_numbers_can_be_checked(country, supported):
    assert supports_vat_number(country) is supported


@pytest.mark.parametrize(
    ("country", "compact", "formatted"),
    [
        ("CH", "CHE116281710MWST", "CHE-116.281.710 MWST"),
        ("CH", "CHE107787577IVA", "CHE-107.787.577 IVA"),
        ("CH", "CHE107787577TPV", "CHE-107.787.577 TPV"),
        ("DE", "DE136695976", "DE 136695976"),
        ("de", "DE136695976", "DE 136695976"),
        ("GR", "EL094259216", "EL 094259216"),
        ("PL", "PL8567346215", "PL 856-734-62-15"),
        ("NO", "995525828MVA", "NO 995 525 828 MVA"),
        ("GB", "980780684", "980 7806 84"),
        ("LI", "1234567", "1234567"),
        # Where no format is known the compact form is shown as it is.
        ("US", "123456789", "123456789"),
        ("", "X123", "X123"),
        ("DE", "", ""),
    ],
)
def test_format_vat_number_writes_the_number_as_people_do(country, compact, formatted):
    assert format_vat_number(country, compact) == formatted


@pytest.mark.parametrize(("country", "typed", "compact", "formatted"), VALID_NUMBERS)
def test_formatting_the_stored_form_gives_what_the_check_shows(country, typed, compact, formatted):
    assert format_vat_number(country, compact) == formatted


@pytest.mark.parametrize(("country", "typed", "compact", "formatted"), VALID_NUMBERS)
def test_the_stored_and_the_formatted_forms_check_again_to_the_same_number(
    country, typed, compact, formatted
):
    """What we store or show can be typed back in: the check is idempotent."""
    assert check_vat_number(country, compact).compact == compact
    assert check_vat_number(country, formatted).compact == compact
