from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FILTER_DATE = forms.DateInput(attrs={"type": "date"})


class ActivityFilterForm(forms.Form):
    actor = forms.CharField(
        label=gettext_lazy("Actor"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Email, or part of it")}),
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=FILTER_DATE)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=FILTER_DATE)
    partners_only = forms.BooleanField(label=gettext_lazy("Only what partners did"), required=False)

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        groups = sorted({action.split(".")[0] + "." for action in actions if "." in action})
        self.fields["action"].choices = [
            ("", _("All actions")),
            (_("Groups"), [(group, f"{group}*") for group in groups]),
            (_("Actions"), [(action, action) for action in actions]),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters, for the selector; an invalid form filters nothing it could not read."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "actor": data.get("actor", ""),
            "action": data.get("action", ""),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "partners_only": data.get("partners_only", False),
        }


class CookiePreferencesForm(forms.Form):
    analytics = forms.BooleanField(
        label=gettext_lazy("Analytics cookies"),
        required=False,
        help_text=gettext_lazy("Measure how the console is used, so that we can improve it."),
    )
    marketing = forms.BooleanField(
        label=gettext_lazy("Marketing cookies"),
        required=False,
        help_text=gettext_lazy("Show you offers that match your interests, on our sites and elsewhere."),
    )


class DpaVerifyForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Certificate number"), max_length=32)
    code = forms.CharField(label=gettext_lazy("Verification code"), max_length=40)
