"""POST /api/v1/vat/check: the same answers as `check_vat_number`, 200 for every well-formed request."""

import pytest

URL = "/api/v1/vat/check"


@pytest.fixture
def client(client_of, plain_user):
    return client_of(plain_user)


@pytest.mark.parametrize(
    ("country", "number", "answer"),
    [
        ("CH", "CHE-116.281.710 MWST", (True, "CHE116281710MWST", "CHE-116.281.710 MWST", "")),
        ("ch", "che116281710tva", (True, "CHE116281710TVA", "CHE-116.281.710 TVA", "")),
        ("CH", "CHE-116.281.710 TPV", (True, "CHE116281710TPV", "CHE-116.281.710 TPV", "")),
        ("DE", "136695976", (True, "DE136695976", "DE 136695976", "")),
        ("GR", "EL 094259216", (True, "EL094259216", "EL 094259216", "")),
        ("FR", "FR 23 334 175 221", (True, "FR23334175221", "FR 23334175221", "")),
        (
            "CH",
            "CHE-116.281.711 MWST",
            (False, "", "", "This VAT number is not valid: its check digit is wrong."),
        ),
        (
            "CH",
            "CHE-116.281.710",
            (False, "", "", "A Swiss VAT number ends with MWST, TVA, IVA or TPV (CHE-123.456.789 MWST)."),
        ),
        (
            "AT",
            "DE136695976",
            (False, "", "", "This is a VAT number of Germany, but the organization is in Austria."),
        ),
        ("DE", "DE<script>", (False, "", "", "Use only letters, digits, spaces, dots and dashes.")),
        ("DE", "DE 1234", (False, "", "", "This VAT number has the wrong length for Germany.")),
    ],
)
def test_vat_check_answers_like_the_rule_table(client, country, number, answer):
    response = client.post(URL, {"country": country, "number": number}, format="json")

    assert response.status_code == 200
    assert response.json() == dict(zip(["valid", "compact", "formatted", "reason"], answer, strict=True))


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["country", "number"]),
        ({"country": "CH"}, ["number"]),
        ({"number": "CHE116281710MWST"}, ["country"]),
        ({"country": "", "number": ""}, ["country", "number"]),
        ({"country": "CHE", "number": "CHE116281710MWST"}, ["country"]),
    ],
)
def test_a_missing_country_or_number_is_a_400(client, body, fields):
    response = client.post(URL, body, format="json")

    assert response.status_code == 400
    assert sorted(response.json()) == fields


def test_vat_check_is_not_a_get(client):
    assert client.get(URL).status_code == 405
