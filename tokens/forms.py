from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tokens import scopes as token_scopes


class TokenCreateForm(forms.Form):
    """Create a token: application, scopes, name, validity. The password comes next (sudo window)."""

    application = forms.ChoiceField(label=gettext_lazy("Application"))
    scopes = forms.MultipleChoiceField(label=gettext_lazy("Scopes"), required=False)
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("To recognise the token in the list."),
    )
    validity = forms.ChoiceField(
        label=gettext_lazy("Validity period"),
        choices=[("unlimited", gettext_lazy("Unlimited")), ("date", gettext_lazy("Until a date"))],
        initial="unlimited",
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Valid until (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = token_scopes.application_choices()
        # Only the scopes the user's role can use are offered (an accountant: billing, read).
        self.allowed = token_scopes.scopes_allowed_to(user) if user is not None else None
        if self.allowed is not None:
            self.applications = [
                (application, label)
                for application, label in self.applications
                if application == token_scopes.MANAGER_API
            ]
        self.fields["application"].choices = self.applications
        self.fields["scopes"].choices = [
            choice
            for application, _ in self.applications
            for choice in token_scopes.scope_choices(application)
            if self.allowed is None or choice[0] in self.allowed
        ]

    def clean(self):
        data = super().clean()
        application = data.get("application")
        if application:
            # Boxes of the other applications may still be ticked when the dropdown changed: keep this one's.
            allowed = set(token_scopes.all_scopes(application))
            data["scopes"] = [scope for scope in data.get("scopes", []) if scope in allowed]
            if not data["scopes"]:
                self.add_error("scopes", _("Choose at least one scope."))
            if not data.get("name"):
                data["name"] = _("%(application)s token") % {
                    "application": token_scopes.application_label(application)
                }
        data["expires_at"] = None
        if data.get("validity") == "date":
            expires_on = data.get("expires_on")
            if expires_on is None:
                self.add_error("expires_on", _("Choose the last day the token is valid."))
            elif expires_on < timezone.localdate():
                self.add_error("expires_on", _("Choose today or a later day."))
            else:
                # Valid through the chosen day, in the console's time zone.
                data["expires_at"] = timezone.make_aware(datetime.combine(expires_on, time.max))
        return data

    def scope_groups(self) -> list[dict]:
        """The scope boxes per application, as a table of families by read / write."""
        if self.is_bound:
            chosen = set(self.data.getlist("scopes"))
        else:
            chosen = {
                scope
                for application, _ in self.applications
                for scope in token_scopes.all_scopes(application)
                if scope.endswith(":read") and (self.allowed is None or scope in self.allowed)
            }
        return [
            {
                "application": application,
                "label": label,
                "families": [
                    {
                        "family": family,
                        "label": family_label,
                        "levels": [
                            {
                                "scope": f"{family}:{level}",
                                "level": level,
                                "checked": f"{family}:{level}" in chosen,
                                "allowed": self.allowed is None or f"{family}:{level}" in self.allowed,
                            }
                            for level in token_scopes.ACCESS_LEVELS
                        ],
                    }
                    for family, family_label in token_scopes.families_of(application).items()
                    if self.allowed is None or any(scope.startswith(f"{family}:") for scope in self.allowed)
                ],
            }
            for application, label in self.applications
        ]
