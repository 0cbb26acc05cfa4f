"""Forms parse what people type; billing.services decides whether it is allowed."""

import uuid
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.exports import (
    BillingExport,
    ClientFilter,
    ExportPeriod,
    History,
    export_period,
    managed_client_ids,
)
from billing.models import InvoiceStatus
from billing.selectors import Period
from organizations.models import ProductType


class InvoiceFilterForm(forms.Form):
    """The GET filters of the Invoices page: a named period (or a year), or dates from/to, and a status."""

    period = forms.ChoiceField(label=gettext_lazy("Period"), required=False)
    date_from = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("end of a period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *InvoiceStatus.choices],
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [*Period.CHOICES, *((str(year), str(year)) for year in years)]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class TopUpForm(forms.Form):
    """The amount parsed as a number; the service decides which amounts are allowed."""

    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": gettext_lazy("Enter an amount such as 50.00.")},
    )
    # One key per displayed form: a double click or a resubmitted page tops up once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, currency: str, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}


class OrderForm(forms.Form):
    product_type = forms.TypedChoiceField(label=gettext_lazy("Product"), coerce=int, widget=forms.RadioSelect)
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy("The domain, site, mail domain or drive the product is for."),
    )

    def __init__(self, *args, product_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.product_types = {product_type.pk: product_type for product_type in product_types}
        self.fields["product_type"].choices = [(pk, str(pt)) for pk, pt in self.product_types.items()]
        self.fields["product_type"].error_messages["required"] = _("Choose a product.")
        self.fields["product_type"].error_messages["invalid_choice"] = _("Choose a product from the list.")

    def clean_product_type(self):
        return self.product_types[self.cleaned_data["product_type"]]


class BillingExportForm(forms.Form):
    """The Download dialog of Managed Clients: the type of history and the period, for all the clients, the
    ticked ones, or every client matching the table's filters."""

    SCOPES = [
        ("all", gettext_lazy("All your managed clients")),
        ("selected", gettext_lazy("The ticked clients")),
        ("matching", gettext_lazy("Matching")),
    ]

    history = forms.ChoiceField(
        label=gettext_lazy("Type of history"),
        choices=History.CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose the type of history to export."),
            "invalid_choice": gettext_lazy("Choose invoices, orders and renewals, cashback or products."),
        },
    )
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=ExportPeriod.CHOICES,
        initial=ExportPeriod.LAST_MONTH,
        error_messages={
            "required": gettext_lazy("Choose the period to export."),
            "invalid_choice": gettext_lazy("Choose a period."),
        },
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": gettext_lazy("Enter a year such as 2025.")},
    )
    date_from = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2025-01-31.")},
    )
    date_to = forms.DateField(
        label=pgettext_lazy("end of a period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2025-12-31.")},
    )
    scope = forms.ChoiceField(choices=SCOPES, required=False, widget=forms.HiddenInput)
    # "matching": the table's filters when the export was asked for.
    q = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    access = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)
    payment_method = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)
    until = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)

    def __init__(self, *args, access, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.access = access
        self.today = today
        self.fields["year"].initial = today.year - 1

    @property
    def ticked(self) -> list[str]:
        return self.data.getlist("clients") if self.is_bound else []

    def _clients(self, scope: str) -> dict:
        """The ticked clients (checked), or the filters of every client exported: all of them (Download), or
        those matching the table's filters ("select all matching": the filters travel, not the ids)."""
        if scope == "selected":
            if not all(value.isdigit() and len(value) < 19 for value in self.ticked):
                raise ValidationError({"clients": _("Tick clients in the table.")})
            ticked = managed_client_ids(self.access.organization, [int(value) for value in self.ticked])
            return {"client_ids": tuple(ticked)}
        if scope != "matching":
            return {"client_filter": ClientFilter()}
        try:
            client_filter = ClientFilter.checked(
                search=self.cleaned_data.get("q") or "",
                access_level=self.cleaned_data.get("access") or "",
                payment_method=self.cleaned_data.get("payment_method") or "",
                until=self.cleaned_data.get("until") or "",
            )
        except ValidationError as error:
            raise ValidationError(
                {"clients": _("The table's filters are not valid: reset them and select again.")}
            ) from error
        return {"client_filter": client_filter}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            date_from, date_to = export_period(
                period=cleaned["period"],
                year=cleaned.get("year"),
                date_from=cleaned.get("date_from"),
                date_to=cleaned.get("date_to"),
                today=self.today,
            )
            clients = self._clients(cleaned.get("scope") or "all")
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return cleaned
        cleaned["export"] = BillingExport(
            partner=self.access.organization,
            history=cleaned["history"],
            date_from=date_from,
            date_to=date_to,
            **clients,
        )
        return cleaned


class PayoutForm(forms.Form):
    """A cashback payout request as typed; billing.payouts checks the IBAN, the name and the amount."""

    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        max_digits=12,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": gettext_lazy("Enter an amount such as 50.00.")},
    )
    iban = forms.CharField(
        label=gettext_lazy("IBAN"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy(
            "The account the cashback is transferred to, e.g. CH93 0076 2011 6238 5295 7."
        ),
    )
    account_holder = forms.CharField(
        label=gettext_lazy("Account holder"),
        max_length=200,
        help_text=gettext_lazy("The name of the account's holder, as the bank knows it."),
    )
    # One key per displayed form: a double click or a resubmitted page asks once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, currency: str, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}


class StatementForm(forms.Form):
    """A month that is over, as YYYY-MM; the service checks it again."""

    month = forms.ChoiceField(label=gettext_lazy("Month"))

    def __init__(self, *args, months: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            (f"{month:%Y-%m}", date_format(month, "YEAR_MONTH_FORMAT")) for month in months
        ]

    def clean_month(self):
        return date.fromisoformat(self.cleaned_data["month"] + "-01")


class ChangeTypeForm(forms.Form):
    """The type a product changes to: one of the other types of its category."""

    product_type = forms.ModelChoiceField(
        label=gettext_lazy("New type"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the types listed.")},
    )

    def __init__(self, *args, product_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_type"].queryset = ProductType.objects.filter(
            pk__in=[product_type.pk for product_type in product_types]
        )
