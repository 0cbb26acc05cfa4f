from django import forms
from django.utils.translation import gettext_lazy

from partners.models import Access, PaymentMethod


class PartnerSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name or email address of the partner"), required=False, max_length=200
    )


class AccessChoiceForm(forms.Form):
    access = forms.ChoiceField(label=gettext_lazy("Access"), choices=Access.choices, widget=forms.RadioSelect)


class PaymentMethodForm(forms.Form):
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Who pays orders and renewals?"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
    )


class StopForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False)


class ClientRequestForm(forms.Form):
    client_email = forms.EmailField(
        label=gettext_lazy("Email address of the client's legal representative"), max_length=254
    )
    access = forms.ChoiceField(
        label=gettext_lazy("Access"), choices=Access.choices, widget=forms.RadioSelect, initial=Access.FULL
    )
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment (Full access only)"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CLIENT,
    )


class ManagedClientFilterForm(forms.Form):
    """The GET filters of the Managed Clients table; a wrong value is ignored, the others still filter."""

    q = forms.CharField(label=gettext_lazy("Client name or user email"), required=False, max_length=200)
    access = forms.ChoiceField(
        label=gettext_lazy("Access"), required=False, choices=[("", gettext_lazy("All")), *Access.choices]
    )
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Who pays"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            (PaymentMethod.CLIENT, gettext_lazy("The client")),
            (PaymentMethod.PARTNER, gettext_lazy("The partner")),
        ],
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("name", gettext_lazy("Name (A to Z)")),
            ("-name", gettext_lazy("Name (Z to A)")),
            ("-since", gettext_lazy("Newest clients first")),
            ("since", gettext_lazy("Oldest clients first")),
            ("-products", gettext_lazy("Most products first")),
            ("products", gettext_lazy("Fewest products first")),
        ],
    )

    def filters(self) -> dict:
        """The valid filters, as `partners.selectors.managed_clients` takes them."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "search": cleaned.get("q") or "",
            "access_level": cleaned.get("access") or "",
            "payment_method": cleaned.get("payment_method") or "",
            "ordering": cleaned.get("sort") or "name",
        }
