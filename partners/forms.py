from django import forms

from partners.models import Access, PaymentMethod


class PartnerSearchForm(forms.Form):
    q = forms.CharField(label="Name or email address of the partner", required=False, max_length=200)


class AccessChoiceForm(forms.Form):
    access = forms.ChoiceField(label="Access", choices=Access.choices, widget=forms.RadioSelect)


class PaymentMethodForm(forms.Form):
    payment_method = forms.ChoiceField(
        label="Who pays orders and renewals?", choices=PaymentMethod.choices, widget=forms.RadioSelect
    )


class StopForm(forms.Form):
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False)


class ClientRequestForm(forms.Form):
    client_email = forms.EmailField(
        label="Email address of the client's legal representative", max_length=254
    )
    access = forms.ChoiceField(
        label="Access", choices=Access.choices, widget=forms.RadioSelect, initial=Access.FULL
    )
    payment_method = forms.ChoiceField(
        label="Payment (Full access only)",
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CLIENT,
    )


class ManagedClientFilterForm(forms.Form):
    """The GET filters of the Managed Clients table; a wrong value is ignored, the others still filter."""

    q = forms.CharField(label="Client name or user email", required=False, max_length=200)
    access = forms.ChoiceField(label="Access", required=False, choices=[("", "All"), *Access.choices])
    payment_method = forms.ChoiceField(
        label="Who pays",
        required=False,
        choices=[("", "All"), (PaymentMethod.CLIENT, "The client"), (PaymentMethod.PARTNER, "The partner")],
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("name", "Name (A to Z)"),
            ("-name", "Name (Z to A)"),
            ("-since", "Newest clients first"),
            ("since", "Oldest clients first"),
            ("-products", "Most products first"),
            ("products", "Fewest products first"),
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
