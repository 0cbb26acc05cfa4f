"""Serializers of the organizations API: Output serializers read models, Input serializers parse requests.

Input serializers hold no business rule: they check types and shapes, and the service they feed decides what
is allowed and answers with field errors. Every serializer lists its fields, so extra input changes nothing.
"""

from rest_framework import serializers

from organizations import selectors
from organizations.models import (
    BillingAddress,
    EntityType,
    Membership,
    Organization,
    Passkey,
    Product,
    ProductCategory,
    ProductType,
    Role,
    Theme,
)

COUNTRY_HELP = "ISO 3166-1 alpha-2 country code, e.g. CH."
ROLE_HELP = "Your role in it; null when you reach it only through a partnership, as its partner."


# Me and organizations


class MyOrganizationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, allow_null=True, help_text=ROLE_HELP)

    class Meta:
        model = Organization
        fields = ["id", "name", "role"]
        read_only_fields = fields


class OrganizationSummarySerializer(serializers.ModelSerializer):
    """What every member may see of an organization, whatever the role."""

    country = serializers.CharField(source="country.code", read_only=True, help_text=COUNTRY_HELP)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, allow_null=True, help_text=ROLE_HELP)

    class Meta:
        model = Organization
        fields = ["id", "name", "country", "currency", "role"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    theme = serializers.ChoiceField(choices=Theme.choices, read_only=True)
    organizations = MyOrganizationSerializer(many=True, read_only=True)


class PasskeySerializer(serializers.ModelSerializer):
    class Meta:
        model = Passkey
        fields = ["id", "name", "created_at", "last_used_at"]
        read_only_fields = fields


class TwoFactorStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(
        read_only=True, help_text="Whether a second factor is asked at sign-in."
    )
    factor_types = serializers.ListField(
        child=serializers.ChoiceField(choices=["totp", "passkey"]),
        read_only=True,
        help_text="`totp` (an authenticator app) and `passkey` (passkeys and security keys), those set up.",
    )
    authenticator_app = serializers.BooleanField(source="totp", read_only=True)
    passkeys = PasskeySerializer(many=True, read_only=True)
    recovery_codes_remaining = serializers.IntegerField(read_only=True)


class PasswordCompromisedInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(
        trim_whitespace=False, help_text="The current (compromised) password."
    )
    new_password = serializers.CharField(trim_whitespace=False)


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True, help_text=COUNTRY_HELP)
    vat_number = serializers.CharField(read_only=True, help_text="Compact form, e.g. CHE116281710MWST.")
    vat_number_formatted = serializers.CharField(
        source="vat_number_display",
        read_only=True,
        help_text="As people write it, e.g. CHE-116.281.710 MWST.",
    )
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, allow_null=True, help_text=ROLE_HELP)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "entity_type",
            "country",
            "currency",
            "vat_number",
            "vat_number_formatted",
            "terms_accepted_at",
            "created_at",
            "two_factor_required",
            "role",
        ]
        read_only_fields = fields


class OrganizationUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    entity_type = serializers.ChoiceField(choices=EntityType.choices, required=False)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2, help_text=COUNTRY_HELP)
    vat_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Any usual spelling; stored in compact form.",
    )
    accept_terms = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Accept the terms and conditions; required when the VAT number changes.",
    )
    update_default_billing_address = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Put the organization's VAT number on the default billing address too: invoices print that "
        "address's own VAT number.",
    )
    two_factor_required = serializers.BooleanField(
        required=False,
        help_text="Members (and a partner's people acting for the organization) must use two-factor sign-in: "
        "legal representatives and administrators, who need a second factor themselves to turn it on.",
    )


class OrganizationCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    entity_type = serializers.ChoiceField(choices=EntityType.choices)
    country = serializers.CharField(max_length=2, help_text=COUNTRY_HELP)
    vat_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Any usual spelling; stored in compact form.",
    )
    accept_terms = serializers.BooleanField(help_text="Accept the terms and conditions: required (`true`).")


# Members


class OrganizationProductField(serializers.PrimaryKeyRelatedField):
    """Ids of products of the organization in the serializer's context `access`; any other id is refused."""

    def __init__(self, **kwargs):
        # The class-level queryset only tells the schema the model; get_queryset() scopes it per request.
        super().__init__(queryset=Product.objects.none(), **kwargs)

    def get_queryset(self):
        return selectors.products_visible_to(self.context["access"])


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    products = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the products an external member may manage."
    )

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "products", "created_at"]
        read_only_fields = fields


class MemberCreateInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)
    products = OrganizationProductField(
        many=True,
        required=False,
        help_text="For the external role: ids of the products the member may manage.",
    )


class MemberUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="Unchanged when left out.")
    products = OrganizationProductField(
        many=True, required=False, help_text="For the external role; unchanged when left out."
    )


# Billing addresses


class BillingAddressSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True, help_text=COUNTRY_HELP)
    vat_number_formatted = serializers.CharField(source="vat_number_display", read_only=True)
    # An email address, or empty when the invoices go to the organization's usual contacts.
    email = serializers.CharField(read_only=True, help_text="Billing email; empty when none was given.")

    class Meta:
        model = BillingAddress
        fields = [
            "id",
            "name",
            "street",
            "postal_code",
            "city",
            "country",
            "email",
            "vat_number",
            "vat_number_formatted",
            "is_default",
        ]
        read_only_fields = fields


class BillingAddressInputSerializer(serializers.Serializer):
    """Used whole for POST and partial for PATCH (fields left out keep their value)."""

    name = serializers.CharField(allow_blank=True, help_text="Name or company.")
    street = serializers.CharField(allow_blank=True)
    postal_code = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    country = serializers.CharField(allow_blank=True, max_length=2, help_text=COUNTRY_HELP)
    email = serializers.CharField(
        required=False, allow_blank=True, max_length=254, help_text="Where invoices are sent."
    )
    vat_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    is_default = serializers.BooleanField(
        required=False,
        help_text="True makes it the default; the default changes only by making another address default.",
    )


# Products and catalog


class ProductTypeSummarySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ProductType
        fields = ["slug", "name", "category"]
        read_only_fields = fields


class ProductSerializer(serializers.ModelSerializer):
    product_type = ProductTypeSummarySerializer(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "product_type",
            "name",
            "status",
            "created_at",
            "expires_at",
            "auto_renew",
            "cancelled_at",
        ]
        read_only_fields = fields


class CatalogProductTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductType
        fields = ["slug", "name", "description", "period", "price_chf", "price_eur"]
        read_only_fields = fields


class CatalogCategorySerializer(serializers.ModelSerializer):
    product_types = CatalogProductTypeSerializer(many=True, read_only=True)

    class Meta:
        model = ProductCategory
        fields = ["slug", "name", "icon", "product_types"]
        read_only_fields = fields


# VAT check


class VatCheckInputSerializer(serializers.Serializer):
    country = serializers.CharField(max_length=2, help_text=COUNTRY_HELP)
    number = serializers.CharField(max_length=100, help_text="The VAT number in any usual spelling.")


class VatCheckSerializer(serializers.Serializer):
    valid = serializers.BooleanField(read_only=True)
    compact = serializers.CharField(read_only=True, help_text="Empty when not valid.")
    formatted = serializers.CharField(read_only=True, help_text="Empty when not valid.")
    reason = serializers.CharField(read_only=True, help_text="Why the number is not valid; empty when valid.")
