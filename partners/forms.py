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
