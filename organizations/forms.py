"""Forms parse what people type; the services in services.py decide whether it is allowed."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from organizations.models import EntityType, Role, Theme


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language (read when the form is shown, not at import)."""
    return list(countries)


def country_choices_with_prompt() -> list[tuple[str, str]]:
    return [("", _("Choose a country")), *countries]


TERMS_LABEL = gettext_lazy("I have read and accept the terms and conditions")


def _terms_help(prefix: str = "") -> SafeString:
    link = format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("terms"),
        _("Read the terms and conditions"),
    )
    return format_html("{} {}", prefix, link) if prefix else link


# Lazy: the URL map is not loaded when this module is imported, and the text is in the language of the page.
terms_help = lazy(_terms_help, SafeString)
TERMS_LINK = terms_help()
VAT_HELP = gettext_lazy("For example CHE-123.456.789 MWST or DE123456789.")


class SignUpForm(forms.Form):
    entity_type = forms.ChoiceField(
        label=gettext_lazy("Type of entity"),
        choices=EntityType.choices,
        widget=forms.RadioSelect,
        initial=EntityType.COMPANY,
    )
    organization_name = forms.CharField(label=gettext_lazy("Name of the organization"), max_length=200)
    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=country_choices_with_prompt)
    vat_number = forms.CharField(
        label=gettext_lazy("VAT number"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "For a company: its VAT number. For example CHE-123.456.789 MWST or DE123456789."
        ),
    )
    full_name = forms.CharField(label=gettext_lazy("Your name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, strip=False)
    accept_terms = forms.BooleanField(label=TERMS_LABEL, required=False, help_text=TERMS_LINK)


class OrganizationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    entity_type = forms.ChoiceField(label=gettext_lazy("Type of entity"), choices=EntityType.choices)
    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=country_choices)
    vat_number = forms.CharField(
        label=gettext_lazy("VAT number"), required=False, max_length=200, help_text=VAT_HELP
    )
    accept_terms = forms.BooleanField(
        label=TERMS_LABEL,
        required=False,
        help_text=terms_help(gettext_lazy("Required to save a new VAT number.")),
    )


class OrganizationEditForm(OrganizationForm):
    """The Edit page; it offers to put the VAT number on the default billing address when that address
    prints its own number on invoices and the user may change billing addresses."""

    update_default_billing_address = forms.BooleanField(
        required=False,
        help_text=gettext_lazy("Future invoices print the VAT number of the default billing address."),
    )

    def __init__(self, *args, default_address=None, **kwargs):
        super().__init__(*args, **kwargs)
        if default_address is None:
            del self.fields["update_default_billing_address"]
        else:
            self.fields["update_default_billing_address"].label = _(
                "Also put this VAT number on the default billing address (%(address)s)"
            ) % {"address": default_address.name}


class NewOrganizationForm(OrganizationForm):
    accept_terms = forms.BooleanField(label=TERMS_LABEL, required=False, help_text=TERMS_LINK)


class MemberForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.USER)
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products (external users only)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("An external user sees and manages only these products."),
    )

    def __init__(self, *args, products_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = products_queryset


class MemberEditForm(MemberForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]


class BillingAddressForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name or company"), max_length=200)
    street = forms.CharField(label=gettext_lazy("Street and number"), max_length=200)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100)
    country = forms.ChoiceField(label=gettext_lazy("Country"), choices=country_choices_with_prompt)
    email = forms.EmailField(label=gettext_lazy("Billing email"), required=False, max_length=254)
    vat_number = forms.CharField(label=gettext_lazy("VAT number"), required=False, max_length=200)
    is_default = forms.BooleanField(label=gettext_lazy("Use as default address"), required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("Current password"), widget=forms.PasswordInput, strip=False
    )
    new_password1 = forms.CharField(
        label=gettext_lazy("New password"), widget=forms.PasswordInput, strip=False
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("New password (again)"), widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_password1") != cleaned.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return cleaned


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=Theme.choices)
