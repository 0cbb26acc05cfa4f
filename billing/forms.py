"""Forms parse what people type; billing.services decides whether it is allowed."""

import uuid

from django import forms

from billing.models import InvoiceStatus
from billing.selectors import Period


class InvoiceFilterForm(forms.Form):
    """The GET filters of the Invoices page: a named period (or a year), or dates from/to, and a status."""

    period = forms.ChoiceField(label="Period", required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All statuses"), *InvoiceStatus.choices]
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [*Period.CHOICES, *((str(year), str(year)) for year in years)]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class TopUpForm(forms.Form):
    """The amount parsed as a number; the service decides which amounts are allowed."""

    amount = forms.DecimalField(
        label="Amount",
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "Enter an amount such as 50.00."},
    )
    # One key per displayed form: a double click or a resubmitted page tops up once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, currency: str, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({currency})"


class OrderForm(forms.Form):
    product_type = forms.TypedChoiceField(label="Product", coerce=int, widget=forms.RadioSelect)
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="The domain, site, mail domain or drive the product is for.",
    )

    def __init__(self, *args, product_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.product_types = {product_type.pk: product_type for product_type in product_types}
        self.fields["product_type"].choices = [(pk, str(pt)) for pk, pt in self.product_types.items()]
        self.fields["product_type"].error_messages["required"] = "Choose a product."
        self.fields["product_type"].error_messages["invalid_choice"] = "Choose a product from the list."

    def clean_product_type(self):
        return self.product_types[self.cleaned_data["product_type"]]
