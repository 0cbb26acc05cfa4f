"""The VAT number guide, followed literally in a browser: at registration, then in My organization."""

import re

from playwright.sync_api import Page, expect

from organizations.models import Organization, User, VatNumberChange

FIRST_VAT_NUMBER = "DE 136 695 976"
SECOND_VAT_NUMBER = "DE 811 569 869"  # another valid German number (stdnum.eu.vat.is_valid)
TERMS = "I have read and accept the terms and conditions"


def fill_signup(page: Page, *, entity_type: str, name: str, vat_number: str, email: str) -> None:
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an organization")
    page.get_by_role("group", name="Type of entity").get_by_label(entity_type, exact=True).check()
    page.get_by_label("Name of the organization").fill(name)
    page.get_by_label("Country").select_option(label="Germany")
    if vat_number:
        page.get_by_label("VAT number").fill(vat_number)
    page.get_by_label("Your name").fill("Erika Mustermann")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label(TERMS).check()


def test_vat_number_at_signup_then_changed_in_my_organization(page: Page, screenshot):
    # Specify a VAT number during registration.
    fill_signup(
        page,
        entity_type="Company",
        name="Muster Hosting GmbH",
        vat_number=FIRST_VAT_NUMBER,
        email="erika@muster.example",
    )
    screenshot(page, "signup-company-filled")
    page.get_by_role("button", name="Create the organization").click()

    expect(page).to_have_url(re.compile(r"/o/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Muster Hosting GmbH")
    expect(page.get_by_role("status")).to_contain_text("Muster Hosting GmbH has been created")
    organization = Organization.objects.get(name="Muster Hosting GmbH")
    assert organization.vat_number == "DE136695976"
    assert organization.memberships.get().user.email == "erika@muster.example"

    # Settings in the left sidebar, then My organization in the secondary menu.
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="My organization").click()
    expect(page).to_have_title(re.compile(r"^My organization"))
    vat_number = page.get_by_test_id("vat-number")
    expect(vat_number).to_have_text("DE 136695976")

    # The blue Edit button next to the organization's name.
    edit = page.get_by_role("link", name="Edit", exact=True)
    expect(edit).to_have_class(re.compile(r"\bbtn-primary\b"))
    edit.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Muster Hosting GmbH")
    expect(page.get_by_label("VAT number")).to_have_value("DE 136695976")

    # Save without ticking the terms box: refused, with the reason on the box.
    page.get_by_label("VAT number").fill(SECOND_VAT_NUMBER)
    terms = page.get_by_label(TERMS)
    expect(terms).not_to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#group-accept_terms")).to_contain_text(
        "Read and accept the terms and conditions to save a VAT number."
    )
    expect(page.get_by_label("VAT number")).to_have_value(SECOND_VAT_NUMBER)
    screenshot(page, "organization-edit-terms-missing")
    page.get_by_role("link", name="Cancel").click()
    expect(vat_number).to_have_text("DE 136695976")
    organization.refresh_from_db()
    assert organization.vat_number == "DE136695976"

    # Again, ticking the terms box this time.
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("VAT number").fill(SECOND_VAT_NUMBER)
    page.get_by_label(TERMS).check()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_title(re.compile(r"^My organization"))
    expect(page.get_by_role("status")).to_contain_text("Your organization has been saved.")
    expect(vat_number).to_have_text("DE 811569869")
    history = page.locator(".card", has=page.get_by_text("VAT number history")).get_by_role("table")
    latest = history.get_by_role("row").nth(1)
    # Compact or formatted: what matters is that the history lists the new number after the old one.
    expect(latest.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^DE ?811569869$"))
    expect(latest.get_by_role("cell").nth(2)).to_have_text(re.compile(r"^DE ?136695976$"))
    expect(latest.get_by_role("cell").nth(3)).to_have_text("erika@muster.example")
    screenshot(page, "organization-vat-changed")

    organization.refresh_from_db()
    assert organization.vat_number == "DE811569869"
    assert organization.terms_accepted_at is not None
    assert list(organization.vat_number_changes.values_list("previous_number", "new_number")) == [
        ("DE136695976", "DE811569869"),
        ("", "DE136695976"),
    ]


def test_signup_with_a_wrong_check_digit_shows_it_on_the_vat_field_and_creates_nothing(
    page: Page, screenshot
):
    fill_signup(
        page,
        entity_type="Company",
        name="Typo GmbH",
        vat_number="DE 136 695 977",
        email="typo@muster.example",
    )
    page.get_by_role("button", name="Create the organization").click()

    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    vat_field = page.get_by_label("VAT number")
    expect(page.locator("#group-vat_number")).to_contain_text(
        "This VAT number is not valid: its check digit is wrong."
    )
    expect(vat_field).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(vat_field).to_have_attribute("aria-invalid", "true")
    expect(vat_field).to_have_accessible_description(re.compile("check digit is wrong"))
    expect(vat_field).to_have_value("DE 136 695 977")
    screenshot(page, "signup-vat-check-digit-wrong")

    assert not Organization.objects.filter(name="Typo GmbH").exists()
    assert not User.objects.filter(email="typo@muster.example").exists()
    assert not VatNumberChange.objects.exists()


def test_choosing_individual_hides_the_vat_number_field(page: Page):
    page.goto("/accounts/signup/")
    entity_type = page.get_by_role("group", name="Type of entity")
    vat_group = page.locator("#group-vat_number")
    expect(entity_type.get_by_label("Company", exact=True)).to_be_checked()
    expect(vat_group).to_be_visible()

    entity_type.get_by_label("Individual", exact=True).check()
    expect(vat_group).to_be_hidden()

    entity_type.get_by_label("Association", exact=True).check()
    expect(vat_group).to_be_visible()
    expect(page.get_by_label("VAT number")).to_be_editable()


def test_the_terms_error_is_announced_on_the_terms_box(page: Page):
    fill_signup(
        page,
        entity_type="Company",
        name="Hasty GmbH",
        vat_number=FIRST_VAT_NUMBER,
        email="hasty@muster.example",
    )
    page.get_by_label(TERMS).uncheck()
    page.get_by_role("button", name="Create the organization").click()

    terms = page.get_by_label(TERMS)
    expect(page.locator("#group-accept_terms")).to_contain_text("Read and accept the terms and conditions")
    expect(terms).to_have_attribute("aria-invalid", "true")
    assert not Organization.objects.filter(name="Hasty GmbH").exists()
    expect(terms).to_have_accessible_description(
        re.compile("Read and accept the terms and conditions"), timeout=1_000
    )
