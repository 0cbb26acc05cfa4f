"""Forms parse what people type; the services in services.py decide whether it is allowed."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django_countries import countries

from organizations.models import EntityType, Role, Theme


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


TERMS_LABEL = "I have read and accept the terms and conditions"


def _terms_help(prefix: str = "") -> SafeString:
    link = format_html(
        '<a href="{}" target="_blank" rel="noopener">Read the terms and conditions</a>', reverse("terms")
    )
    return format_html("{}{}", prefix, link)


# Lazy: the URL map is not loaded when this module is imported.
terms_help = lazy(_terms_help, SafeString)
TERMS_LINK = terms_help()
VAT_HELP = "For example CHE-123.456.789 MWST or DE123456789."


class SignUpForm(forms.Form):
    entity_type = forms.ChoiceField(
        label="Type of entity",
        choices=EntityType.choices,
        widget=forms.RadioSelect,
        initial=EntityType.COMPANY,
    )
    organization_name = forms.CharField(label="Name of the organization", max_length=200)
    country = forms.ChoiceField(label="Country", choices=[("", "Choose a country"), *countries])
    vat_number = forms.CharField(
        label="VAT number",
        required=False,
        max_length=200,
        help_text=f"For a company: its VAT number. {VAT_HELP}",
    )
    full_name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="Email address", max_length=254)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    accept_terms = forms.BooleanField(label=TERMS_LABEL, required=False, help_text=TERMS_LINK)


class OrganizationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    entity_type = forms.ChoiceField(label="Type of entity", choices=EntityType.choices)
    country = forms.ChoiceField(label="Country", choices=list(countries))
    vat_number = forms.CharField(label="VAT number", required=False, max_length=200, help_text=VAT_HELP)
    accept_terms = forms.BooleanField(
        label=TERMS_LABEL,
        required=False,
        help_text=terms_help("Required to save a new VAT number. "),
    )


class NewOrganizationForm(OrganizationForm):
    accept_terms = forms.BooleanField(label=TERMS_LABEL, required=False, help_text=TERMS_LINK)


class MemberForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.USER)
    products = forms.ModelMultipleChoiceField(
        label="Products (external users only)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="An external user sees and manages only these products.",
    )

    def __init__(self, *args, products_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = products_queryset


class MemberEditForm(MemberForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]


class BillingAddressForm(forms.Form):
    name = forms.CharField(label="Name or company", max_length=200)
    street = forms.CharField(label="Street and number", max_length=200)
    postal_code = forms.CharField(label="Postal code", max_length=20)
    city = forms.CharField(label="City", max_length=100)
    country = forms.ChoiceField(label="Country", choices=[("", "Choose a country"), *countries])
    email = forms.EmailField(label="Billing email", required=False, max_length=254)
    vat_number = forms.CharField(label="VAT number", required=False, max_length=200)
    is_default = forms.BooleanField(label="Use as default address", required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="Current password", widget=forms.PasswordInput, strip=False)
    new_password1 = forms.CharField(label="New password", widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label="New password (again)", widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password1") != cleaned.get("new_password2"):
            self.add_error("new_password2", "The two passwords differ.")
        return cleaned


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=Theme.choices)
