"""Serializers of the partner program API: Output serializers read partnerships, Input serializers parse
requests.

Input serializers check types and shapes only; `partners.services` decides what is allowed and answers with
field errors. Every serializer lists its fields, so extra input (a `status`, a `client`) changes nothing.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organizations.api.serializers import COUNTRY_HELP, OrganizationProductField
from organizations.models import Organization
from partners import selectors
from partners.models import (
    ACCESS_DESCRIPTIONS,
    Access,
    BulkRun,
    BulkRunItem,
    ClientRequest,
    PartnerProfile,
    Partnership,
    PartnerTeam,
    PaymentMethod,
    RequestStatus,
    Status,
)
from partners.selectors import MANAGED_CLIENT_ORDERINGS, UNTIL_FILTERS

NOT_IN_DIRECTORY = gettext_lazy("Choose a partner from the directory of referenced partners.")


def _sorted_product_ids(partnership: Partnership) -> list[int]:
    # `.all()` reads the prefetched products when the list prefetched them.
    return sorted(product.pk for product in partnership.products.all())


# Output


class PartnerDirectorySerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        source="organization_id",
        read_only=True,
        help_text="The partner organization's id: send it as `partner` to invite this partner.",
    )
    country = serializers.CharField(source="country.code", read_only=True, help_text=COUNTRY_HELP)

    class Meta:
        model = PartnerProfile
        fields = ["id", "public_name", "contact_email", "country", "description"]
        read_only_fields = fields


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name"]
        read_only_fields = fields


class PartnershipSerializer(serializers.ModelSerializer):
    client = OrganizationRefSerializer(read_only=True)
    partner = OrganizationRefSerializer(read_only=True)
    products = serializers.SerializerMethodField(help_text="Ids of the granted products (Limited access).")
    expires_at = serializers.SerializerMethodField(
        help_text="When the link of a pending invitation or request stops working; null once it is answered."
    )
    status = serializers.ChoiceField(
        source="shown_status",
        choices=Status.choices,
        read_only=True,
        help_text="`ended` as soon as a time-limited access reached its end (`ends_at`).",
    )
    ends_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the partner's access ends (proposed, while pending); null: no end.",
    )
    renewal_requested_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the partner asked for a renewal not yet answered."
    )
    renewal_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="The end the partner asked for in its renewal request (null: no end, or no request).",
    )

    class Meta:
        model = Partnership
        fields = [
            "id",
            "client",
            "partner",
            "access",
            "payment_method",
            "status",
            "initiated_by",
            "products",
            "created_at",
            "invitation_sent_at",
            "expires_at",
            "answered_at",
            "ends_at",
            "renewal_requested_at",
            "renewal_until",
            "ended_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expires_at(self, partnership: Partnership):
        if partnership.status != Status.PENDING:
            return None
        return serializers.DateTimeField().to_representation(partnership.expires_at)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_products(self, partnership: Partnership) -> list[int]:
        return _sorted_product_ids(partnership)


class ManagedClientSerializer(serializers.ModelSerializer):
    """A row of Reseller Area → Managed Clients: a client managed through an active partnership."""

    id = serializers.IntegerField(
        source="client_id", read_only=True, help_text="The client organization's id."
    )
    name = serializers.CharField(source="client.name", read_only=True)
    partnership_id = serializers.IntegerField(source="pk", read_only=True)
    since = serializers.DateTimeField(
        source="answered_at", read_only=True, help_text="When the partnership became active."
    )
    product_count = serializers.IntegerField(
        source="client_product_count", read_only=True, help_text="Products installed in the client."
    )
    until = serializers.DateTimeField(
        source="ends_at", read_only=True, allow_null=True, help_text="When your access ends; null: no end."
    )
    renewal_requested = serializers.SerializerMethodField(
        help_text="You asked for a renewal the client has not answered yet."
    )

    class Meta:
        model = Partnership
        fields = [
            "id",
            "name",
            "partnership_id",
            "access",
            "payment_method",
            "since",
            "until",
            "renewal_requested",
            "product_count",
            "assigned_members_only",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "assigned_members_only": {
                "help_text": "Only your legal representatives and the members assigned act for this client "
                "(false: every member of your organization)."
            }
        }

    def get_renewal_requested(self, partnership: Partnership) -> bool:
        return partnership.renewal_requested_at is not None


class AssignmentSerializer(serializers.Serializer):
    """Who of the partner's people act for one client."""

    assigned_members_only = serializers.BooleanField(
        help_text="true: only your legal representatives and the `members` act for this client; false: every "
        "member of your organization does."
    )
    members = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of memberships (administrators and users of your organization, as the members "
        "endpoint lists them) assigned to this client; ignored when every member acts for it.",
    )
    teams = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of your teams assigned to this client (whoever is in them acts for it); ignored when "
        "every member acts for it.",
    )


class PartnerTeamSerializer(serializers.ModelSerializer):
    """A team of the partner's members, assigned to clients together."""

    members = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the memberships in the team."
    )
    client_count = serializers.IntegerField(read_only=True, help_text="Active clients assigned to the team.")

    class Meta:
        model = PartnerTeam
        fields = ["id", "name", "members", "client_count", "created_at"]
        read_only_fields = fields


class PartnerTeamInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    members = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Ids of memberships of your organization (legal representatives, administrators, users).",
    )


# Input

ENDS_AT_HELP = "When the partner's access ends (ISO 8601, in the future); null or left out: no end."


def ends_at_field(**kwargs):
    return serializers.DateTimeField(required=False, allow_null=True, help_text=ENDS_AT_HELP, **kwargs)


class DirectoryPartnerField(serializers.PrimaryKeyRelatedField):
    """The id of an organization listed in the partner directory; any other id is refused."""

    default_error_messages = {"does_not_exist": NOT_IN_DIRECTORY, "incorrect_type": NOT_IN_DIRECTORY}

    def __init__(self, **kwargs):
        # The class-level queryset only tells the schema the model; get_queryset() asks the directory.
        super().__init__(queryset=Organization.objects.none(), **kwargs)

    def get_queryset(self):
        return Organization.objects.filter(pk__in=selectors.partner_directory().values("organization_id"))


ACCESS_HELP = (
    "What the partner may do in the client organization: "
    + " ".join(f"`{value}`: {ACCESS_DESCRIPTIONS[value]}" for value in Access.values)
    + " A partner never does more than its own member role allows."
)


class PartnershipInviteInputSerializer(serializers.Serializer):
    partner = DirectoryPartnerField(help_text="The partner organization's id, as the directory lists it.")
    access = serializers.ChoiceField(choices=Access.choices, help_text=ACCESS_HELP)
    products = OrganizationProductField(
        many=True,
        required=False,
        help_text="Limited access: ids of the products the partner may manage (at least one).",
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        default=PaymentMethod.CLIENT,
        help_text="`partner` (the partner pays) only with Full access.",
    )
    ends_at = ends_at_field()


class EndOfAccessInputSerializer(serializers.Serializer):
    ends_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The new end of the partner's access (ISO 8601, in the future), or null for no end.",
    )


class RenewalRequestInputSerializer(serializers.Serializer):
    until = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="The end you ask for (after the current one); null or left out: no end.",
    )


class RenewalAcceptInputSerializer(serializers.Serializer):
    ends_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Left out: as the partner asked. Else the end you grant (null: no end).",
    )


class PartnershipChangeInputSerializer(serializers.Serializer):
    """Change who pays, or what the partner may do (its access, with the products of Limited access)."""

    access = serializers.ChoiceField(
        choices=Access.choices,
        required=False,
        help_text=ACCESS_HELP + " Left out: only who pays changes.",
    )
    products = OrganizationProductField(
        many=True, required=False, help_text="Limited access: ids of the products the partner may manage."
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        help_text="`partner` only with Full or Billing access (Billing needs it). With `access` and left "
        "out: kept when the new access allows it, else the client pays.",
    )

    def validate(self, attrs):
        if "access" not in attrs and "payment_method" not in attrs:
            # Who pays is what a PATCH changed first: without `access`, it is the field to give.
            raise serializers.ValidationError({"payment_method": _("This field is required.")})
        if "products" in attrs and "access" not in attrs:
            raise serializers.ValidationError(
                {"products": _("Products are granted with an access: give `access` too.")}
            )
        return attrs


class PasswordInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False, style={"input_type": "password"}, help_text="Your account password."
    )


class RequestAnswerInputSerializer(serializers.Serializer):
    """The client accepting a partner's request may narrow it; what is left out stays as the partner asked."""

    access = serializers.ChoiceField(
        choices=Access.choices,
        required=False,
        help_text="Grant what was asked or less: for Full, any access; for Technical, `technical`, "
        "`limited` or `read_only`; otherwise what was asked.",
    )
    products = OrganizationProductField(
        many=True, required=False, help_text="Limited access: ids of the products to grant."
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        help_text="`client` keeps your own wallet when the partner offered to pay.",
    )
    ends_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Left out: the end the partner proposed. Else the end you grant (null: no end).",
    )


class ClientRequestSerializer(serializers.ModelSerializer):
    """A request the partner sent ("Add a client"), as it typed it: the same whether or not the address
    belongs to a legal representative. Once the client accepts, it is among your managed clients."""

    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, help_text="When the link sent stops working.")

    class Meta:
        model = ClientRequest
        fields = ["id", "client_email", "access", "payment_method", "status", "sent_at", "expires_at"]
        read_only_fields = fields


class ClientRequestInputSerializer(serializers.Serializer):
    client_email = serializers.EmailField(
        max_length=254, help_text="Email address of the client's legal representative."
    )
    access = serializers.ChoiceField(choices=Access.choices, help_text=ACCESS_HELP)
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        default=PaymentMethod.CLIENT,
        help_text="`partner` (you pay) only with Full or Billing access; Billing needs it.",
    )
    ends_at = ends_at_field()


class ManagedClientFilterInputSerializer(serializers.Serializer):
    """The query of the Managed Clients list; a wrong value is a 400 naming the parameter."""

    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    access = serializers.ChoiceField(choices=Access.choices, required=False, allow_blank=True)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False, allow_blank=True)
    until = serializers.ChoiceField(choices=list(UNTIL_FILTERS), required=False, allow_blank=True)
    ordering = serializers.ChoiceField(choices=list(MANAGED_CLIENT_ORDERINGS), required=False, default="name")


class TransferCodeSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="Shown this once: only its hash is kept.")
    expires_at = serializers.DateTimeField(read_only=True)


class TransferCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, help_text="The transfer code the client gave you.")


class BulkClientsInputSerializer(serializers.Serializer):
    """The clients of a bulk action: `clients` (ids), or every managed client matching the filters."""

    clients = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        help_text="Ids of managed clients; left out: every client matching the filters below.",
    )
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    access = serializers.ChoiceField(choices=Access.choices, required=False, allow_blank=True)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False, allow_blank=True)
    until_filter = serializers.ChoiceField(
        choices=list(UNTIL_FILTERS),
        required=False,
        allow_blank=True,
        help_text="As `until` of the Managed Clients list.",
    )


class BulkStopInputSerializer(BulkClientsInputSerializer):
    password = serializers.CharField(
        trim_whitespace=False, style={"input_type": "password"}, help_text="Your account password, once."
    )


class BulkRenewalInputSerializer(BulkClientsInputSerializer):
    until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="The end asked for; null or left out: no end."
    )


class BulkResultSerializer(serializers.Serializer):
    client_id = serializers.IntegerField()
    name = serializers.CharField()
    done = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why it was not done; empty when done.")


class BulkRunItemSerializer(serializers.ModelSerializer):
    client_id = serializers.IntegerField(source="partnership.client_id", read_only=True)
    name = serializers.CharField(source="client_name", read_only=True, help_text="The client's name.")
    reason = serializers.CharField(read_only=True, help_text="Why it was refused; empty otherwise.")

    class Meta:
        model = BulkRunItem
        fields = ["client_id", "name", "outcome", "reason", "processed_at"]
        read_only_fields = fields


class BulkRunSerializer(serializers.ModelSerializer):
    """A bulk action of Managed Clients started in the console, carried out in the background."""

    finished = serializers.BooleanField(source="is_finished", read_only=True)
    until = serializers.DateTimeField(
        read_only=True, help_text="The end a renewal asked for; null otherwise."
    )
    items = BulkRunItemSerializer(many=True, read_only=True, help_text="A result per client, in name order.")

    class Meta:
        model = BulkRun
        fields = ["id", "action", "until", "created_at", "finished_at", "finished", "items"]
        read_only_fields = fields
