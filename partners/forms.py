from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
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
        label=gettext_lazy("Payment (Full or Billing access)"),
        help_text=gettext_lazy(
            "With any other access the client pays; with Billing access the partner pays."
        ),
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
            ("until", gettext_lazy("Access ending soonest first")),
            ("-until", gettext_lazy("Access ending latest first")),
        ],
    )
    until = forms.ChoiceField(
        label=gettext_lazy("Until"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("soon", gettext_lazy("Ending within 30 days")),
            ("dated", gettext_lazy("With an end date")),
            ("none", gettext_lazy("No end")),
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
            "until": cleaned.get("until") or "",
            "ordering": cleaned.get("sort") or "name",
        }


class EndOfAccessForm(forms.Form):
    """How long a partner has access: no end, or until a last day included (access ends when the next day
    begins, in the console's time zone)."""

    limit = forms.ChoiceField(
        label=gettext_lazy("How long?"),
        choices=[
            ("none", gettext_lazy("No end")),
            ("until", gettext_lazy("Until a date")),
        ],
        widget=forms.RadioSelect,
        initial="none",
        required=False,  # left out: no end, as before access could be limited in time
    )
    last_day = forms.DateField(
        label=gettext_lazy("Last day of access"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a date such as 2025-12-31.")},
    )

    @staticmethod
    def initial_for(ends_at) -> dict:
        if ends_at is None:
            return {"limit": "none"}
        last = timezone.localtime(ends_at - timedelta(microseconds=1)).date()
        return {"limit": "until", "last_day": last}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("limit") == "until" and not cleaned.get("last_day") and "last_day" not in self.errors:
            self.add_error("last_day", gettext_lazy("Choose the last day of access."))
        return cleaned

    def ends_at(self):
        """The moment access ends (the start of the day after the last day), or None for no end."""
        if self.cleaned_data.get("limit") != "until":
            return None
        next_day = self.cleaned_data["last_day"] + timedelta(days=1)
        return timezone.make_aware(datetime.combine(next_day, time.min))


class TransferCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Transfer code"),
        max_length=40,
        help_text=gettext_lazy("The code the client gave you, such as ABCD-EFGH-JKLM-NPQR."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class BulkActionForm(forms.Form):
    """What a bulk action of Managed Clients applies to: the ticked clients (`clients`, repeated), every
    client matching the table's filters."""

    action = forms.ChoiceField(choices=[("stop", "stop"), ("renewal", "renewal")])
    scope = forms.ChoiceField(choices=[("selected", "selected"), ("matching", "matching")])
    q = forms.CharField(required=False, max_length=200)
    access = forms.CharField(required=False, max_length=10)
    payment_method = forms.CharField(required=False, max_length=10)
    until = forms.CharField(required=False, max_length=10)

    def client_ids(self) -> list[int]:
        return [int(value) for value in self.data.getlist("clients") if value.isdigit() and len(value) < 19]

    def filters(self) -> dict:
        return {
            "search": self.cleaned_data.get("q") or "",
            "access_level": self.cleaned_data.get("access") or "",
            "payment_method": self.cleaned_data.get("payment_method") or "",
            "until": self.cleaned_data.get("until") or "",
        }


def _member_label(membership) -> str:
    return f"{membership.user.get_full_name()} ({membership.user.email}) · {membership.get_role_display()}"


class ClientAssignmentForm(forms.Form):
    """Who of the partner's people act for one client."""

    who = forms.ChoiceField(
        label=gettext_lazy("Who acts for this client?"),
        choices=[
            ("all", gettext_lazy("Every member of your organization")),
            ("assigned", gettext_lazy("The legal representatives and the members and teams ticked below")),
        ],
        widget=forms.RadioSelect,
    )
    teams = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Teams"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, assignable, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = assignable
        self.fields["members"].label_from_instance = _member_label
        self.fields["teams"].queryset = teams

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("who") == "all":
            cleaned["members"] = []
            cleaned["teams"] = []
        return cleaned


class PartnerTeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the team"), max_length=100)
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.fields["members"].label_from_instance = _member_label
