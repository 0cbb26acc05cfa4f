"""The organizations API: the user, organizations, members, billing addresses, products, catalog, VAT check.

Views parse input with an Input serializer, call the service and answer with an Output serializer; the rules
live in `organizations.services`. Everything below `organizations/{org_id}/` goes through
`OrganizationScopedMixin`, which asks the access resolver first.
"""

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.exceptions import DjangoErrorsMixin, error_responses
from core.api.inputs import parse
from organizations import selectors, services
from organizations.access import Access, Permission, organizations_of, resolve_access
from organizations.api import serializers
from organizations.models import (
    BillingAddress,
    Membership,
    Organization,
    Product,
    ProductCategory,
    ProductType,
    Role,
    User,
)
from organizations.two_factor import two_factor_missing, two_factor_refusal, two_factor_status
from organizations.vat import check_vat_number

# How a 403 says what the caller's role does not allow: a whole sentence per permission, with the role.
PERMISSION_WORDING = {
    Permission.VIEW_SETTINGS: gettext_lazy(
        "Your role (%(role)s) does not allow you to see the organization's settings."
    ),
    Permission.EDIT_ORGANIZATION: gettext_lazy(
        "Your role (%(role)s) does not allow you to edit the organization."
    ),
    Permission.VIEW_MEMBERS: gettext_lazy("Your role (%(role)s) does not allow you to see the members."),
    Permission.MANAGE_MEMBERS: gettext_lazy(
        "Your role (%(role)s) does not allow you to add, change or remove members."
    ),
    Permission.VIEW_BILLING: gettext_lazy(
        "Your role (%(role)s) does not allow you to see the billing addresses."
    ),
    Permission.MANAGE_BILLING_ADDRESSES: gettext_lazy(
        "Your role (%(role)s) does not allow you to add, change or delete billing addresses."
    ),
    Permission.VIEW_PRODUCTS: gettext_lazy("Your role (%(role)s) does not allow you to see the products."),
}


def permission_refusal(wording, role: str) -> str:
    """The 403 detail: `wording` is a whole sentence with `%(role)s`; a wording that is only the end of the
    sentence ("see the invoices") is still read the old way."""
    wording = str(wording)
    if "%(role)s" in wording:
        return wording % {"role": role}
    return _("Your role (%(role)s) does not allow you to %(action)s.") % {"role": role, "action": wording}


ORG_ID = OpenApiParameter("org_id", int, OpenApiParameter.PATH, description="The organization's id.")


def organizations_with_role(user: User) -> QuerySet[Organization]:
    """The user's organizations (as `organizations_of` lists them), each annotated with the user's `role`."""
    role = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[:1]
    return organizations_of(user).annotate(role=Subquery(role))


class OrganizationScopedMixin(DjangoErrorsMixin):
    """Resolve the URL's `org_id` into `self.access` before any handler runs.

    No access at all is a 404, so the organization's existence is not revealed; access without
    `permissions[action]` is a 403 that names the role. Querysets come from `scoped_queryset(access)`, built
    on the selectors, so an object of another organization is a 404 too.
    """

    permissions: dict[str, Permission] = {}
    model = None

    # Whether a partner acting for the organization may use these endpoints at all.
    open_to_partners = True
    permission_wording = PERMISSION_WORDING

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: anonymous callers get 403 here
        access = resolve_access(request.user, kwargs["org_id"])
        if access is None:
            raise NotFound(_("No such organization."))
        if access.acts_for_partner and not self.open_to_partners:
            raise NotFound(_("A partner acting for this organization has no part in this."))
        if two_factor_missing(access):
            raise PermissionDenied(two_factor_refusal(access))
        self.access = access
        if self.action in (None, "metadata"):  # a method not allowed (405), or OPTIONS, which changes nothing
            return
        permission = self.permissions[self.action]
        if not access.can(permission):
            if access.hides_refusals:
                raise NotFound(_("Not found."))
            self.deny(access, permission)

    def deny(self, access: Access, permission: Permission):
        raise PermissionDenied(permission_refusal(self.permission_wording[permission], access.role_label))

    def scoped_queryset(self, access: Access) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no organization
            return self.model.objects.none()
        return self.scoped_queryset(self.access)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": getattr(self, "access", None)}

    def parse(self, serializer_class, *, partial: bool = False) -> dict:
        return parse(self.request, serializer_class, context=self.get_serializer_context(), partial=partial)


# The user


class MeView(DjangoErrorsMixin, APIView):
    """The signed-in user and the organizations they belong to, with their role in each."""

    token_family = "organizations"

    @extend_schema(
        tags=["me"],
        summary="The signed-in user and their organizations",
        responses={200: serializers.MeSerializer},
    )
    def get(self, request):
        user = request.user
        me = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "theme": user.theme,
            "organizations": organizations_with_role(user),
        }
        return Response(serializers.MeSerializer(me).data)


class TwoFactorStatusView(DjangoErrorsMixin, APIView):
    """Which second factors the signed-in user has set up, and how many recovery codes are left."""

    token_family = "organizations"

    @extend_schema(
        tags=["me"],
        summary="Your two-factor sign-in",
        description="Scope `organizations:read`. Setting factors up happens in the console, under Security.",
        responses={200: serializers.TwoFactorStatusSerializer},
    )
    def get(self, request):
        return Response(serializers.TwoFactorStatusSerializer(two_factor_status(request.user)).data)


class SignOutEverywhereView(DjangoErrorsMixin, APIView):
    """End every session of the user in every browser (API tokens stay valid)."""

    token_family = "organizations"

    @extend_schema(
        tags=["me"],
        summary="Sign out everywhere",
        description="Scope `organizations:write`. Ends every console session of your account, in every "
        "browser; API tokens keep working (use `password-compromised` to revoke them too).",
        request=None,
        responses={204: None},
    )
    def post(self, request):
        services.user_sign_out_everywhere(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordCompromisedView(DjangoErrorsMixin, APIView):
    """Set a new password, end every session and revoke every API token, this one included."""

    token_family = "organizations"

    @extend_schema(
        tags=["me"],
        summary="My password was compromised",
        description="Scope `organizations:write`. Sets the new password, ends every console session and "
        "revokes all your API tokens, the one making this call included.",
        request=serializers.PasswordCompromisedInputSerializer,
        responses={204: None, **error_responses(400)},
    )
    def post(self, request):
        data = parse(request, serializers.PasswordCompromisedInputSerializer)
        try:
            services.user_password_compromised(
                user=request.user, old_password=data["old_password"], new_password=data["new_password"]
            )
        except ValidationError as error:
            # The service names the console's form fields; the API's are these.
            raise ValidationError(
                {
                    {"new_password1": "new_password", "new_password2": "new_password"}.get(
                        field, field
                    ): messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


# Organizations


@extend_schema_view(
    get=extend_schema(tags=["organizations"], summary="The organizations you belong to"),
    post=extend_schema(
        tags=["organizations"],
        summary="Create an organization",
        description="You become its legal representative. The currency follows from the country.",
        request=serializers.OrganizationCreateInputSerializer,
        responses={201: serializers.OrganizationSerializer, **error_responses(400)},
    ),
)
class OrganizationListView(DjangoErrorsMixin, generics.ListAPIView):
    """The organizations you belong to, with your role in each; a new one."""

    token_family = "organizations"

    serializer_class = serializers.OrganizationSummarySerializer

    def get_queryset(self):
        return organizations_with_role(self.request.user)

    def post(self, request):
        data = parse(request, serializers.OrganizationCreateInputSerializer)
        organization = services.organization_create(by=request.user, **data)
        organization.role = Role.LEGAL_REPRESENTATIVE
        return Response(serializers.OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="An organization's legal data",
        description="Needs a role that sees the organization's settings (not external).",
        responses={200: serializers.OrganizationSerializer, **error_responses(403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change an organization's legal data",
        description="Legal representatives and administrators. A new VAT number needs `accept_terms: true`; "
        "the currency follows from the country at creation and never changes.",
        request=serializers.OrganizationUpdateInputSerializer,
        responses={200: serializers.OrganizationSerializer, **error_responses(400, 403, 404)},
    ),
)
@extend_schema(tags=["organizations"], parameters=[ORG_ID])
class OrganizationViewSet(OrganizationScopedMixin, viewsets.GenericViewSet):
    """An organization's legal data."""

    token_family = "organizations"

    model = Organization
    serializer_class = serializers.OrganizationSerializer
    permissions = {"retrieve": Permission.VIEW_SETTINGS, "partial_update": Permission.EDIT_ORGANIZATION}

    def scoped_queryset(self, access):
        return Organization.objects.filter(pk=access.organization.pk)

    def _output(self, organization: Organization) -> dict:
        organization.role = self.access.role
        return self.get_serializer(organization).data

    def retrieve(self, request, org_id):
        return Response(self._output(self.access.organization))

    def partial_update(self, request, org_id):
        data = self.parse(serializers.OrganizationUpdateInputSerializer)
        organization = services.organization_update(access=self.access, **data)
        return Response(self._output(organization))


# Members


@extend_schema_view(
    list=extend_schema(summary="The members", responses={200: serializers.MemberSerializer(many=True)}),
    retrieve=extend_schema(
        summary="A member", responses={200: serializers.MemberSerializer, **error_responses(403, 404)}
    ),
    create=extend_schema(
        summary="Add a member",
        description="Someone without an account is invited by email to set a password. The external role "
        "needs `products`; only a legal representative appoints another one.",
        request=serializers.MemberCreateInputSerializer,
        responses={201: serializers.MemberSerializer, **error_responses(400, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change a member's role or products",
        description="An organization always keeps at least one legal representative.",
        request=serializers.MemberUpdateInputSerializer,
        responses={200: serializers.MemberSerializer, **error_responses(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Remove a member",
        description="An organization always keeps at least one legal representative.",
        responses={204: None, **error_responses(400, 403, 404)},
    ),
)
@extend_schema(tags=["members"], parameters=[ORG_ID])
class MemberViewSet(
    OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The people who have a role in the organization."""

    token_family = "members"

    model = Membership
    serializer_class = serializers.MemberSerializer
    lookup_url_kwarg = "id"
    permissions = {
        "list": Permission.VIEW_MEMBERS,
        "retrieve": Permission.VIEW_MEMBERS,
        "create": Permission.MANAGE_MEMBERS,
        "partial_update": Permission.MANAGE_MEMBERS,
        "destroy": Permission.MANAGE_MEMBERS,
    }

    def scoped_queryset(self, access):
        product_ids = Prefetch("products", queryset=Product.objects.order_by("pk").only("pk"))
        return selectors.members_visible_to(access).prefetch_related(product_ids)

    def _output(self, membership: Membership) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=membership.pk)).data

    def create(self, request, org_id):
        data = self.parse(serializers.MemberCreateInputSerializer)
        membership = services.membership_add(access=self.access, **data)
        return Response(self._output(membership), status=status.HTTP_201_CREATED)

    def partial_update(self, request, org_id, id):
        membership = self.get_object()
        data = self.parse(serializers.MemberUpdateInputSerializer)
        membership = services.membership_change_role(
            access=self.access,
            membership=membership,
            role=data.get("role", membership.role),
            products=data["products"] if "products" in data else membership.products.order_by("pk"),
        )
        return Response(self._output(membership))

    def destroy(self, request, org_id, id):
        services.membership_remove(access=self.access, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# Billing addresses


@extend_schema_view(
    list=extend_schema(
        summary="The billing addresses", responses={200: serializers.BillingAddressSerializer(many=True)}
    ),
    retrieve=extend_schema(
        summary="A billing address",
        responses={200: serializers.BillingAddressSerializer, **error_responses(403, 404)},
    ),
    create=extend_schema(
        summary="Add a billing address",
        description="The first address of an organization is its default.",
        request=serializers.BillingAddressInputSerializer,
        responses={201: serializers.BillingAddressSerializer, **error_responses(400, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change a billing address",
        request=serializers.BillingAddressInputSerializer,
        responses={200: serializers.BillingAddressSerializer, **error_responses(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete a billing address",
        description="When it was the default, the oldest remaining address becomes the default.",
        responses={204: None, **error_responses(403, 404)},
    ),
)
@extend_schema(tags=["billing addresses"], parameters=[ORG_ID])
class BillingAddressViewSet(
    OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The addresses the organization's invoices can be sent to."""

    token_family = "billing"

    model = BillingAddress
    serializer_class = serializers.BillingAddressSerializer
    lookup_url_kwarg = "id"
    permissions = {
        "list": Permission.VIEW_BILLING,
        "retrieve": Permission.VIEW_BILLING,
        "create": Permission.MANAGE_BILLING_ADDRESSES,
        "partial_update": Permission.MANAGE_BILLING_ADDRESSES,
        "destroy": Permission.MANAGE_BILLING_ADDRESSES,
    }

    def scoped_queryset(self, access):
        return selectors.billing_addresses_visible_to(access)

    def create(self, request, org_id):
        data = dict(self.parse(serializers.BillingAddressInputSerializer))
        is_default = data.pop("is_default", False)
        address = services.billing_address_create(access=self.access, data=data, is_default=is_default)
        return Response(self.get_serializer(address).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, org_id, id):
        address = self.get_object()
        data = dict(self.parse(serializers.BillingAddressInputSerializer, partial=True))
        is_default = data.pop("is_default", None)
        address = services.billing_address_update(
            access=self.access, address=address, data=data, is_default=is_default
        )
        return Response(self.get_serializer(address).data)

    def destroy(self, request, org_id, id):
        services.billing_address_delete(access=self.access, address=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# Products and catalog


@extend_schema_view(
    list=extend_schema(
        summary="The products you can see",
        description="External members see only the products they were given.",
    ),
    retrieve=extend_schema(
        summary="A product", responses={200: serializers.ProductSerializer, **error_responses(404)}
    ),
)
@extend_schema(tags=["products"], parameters=[ORG_ID])
class ProductViewSet(
    OrganizationScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The products installed in the organization."""

    token_family = "products"

    model = Product
    serializer_class = serializers.ProductSerializer
    lookup_url_kwarg = "id"
    permissions = {"list": Permission.VIEW_PRODUCTS, "retrieve": Permission.VIEW_PRODUCTS}

    def scoped_queryset(self, access):
        return selectors.products_visible_to(access)


@extend_schema_view(
    get=extend_schema(tags=["catalog"], summary="The catalog: categories, product types, prices")
)
class CatalogView(DjangoErrorsMixin, generics.ListAPIView):
    """The public catalog: categories with the product types on sale and their yearly prices."""

    token_family = "products"

    serializer_class = serializers.CatalogCategorySerializer

    def get_queryset(self):
        on_sale = ProductType.objects.filter(is_active=True).order_by("position", "name")
        return (
            ProductCategory.objects.filter(product_types__is_active=True)
            .distinct()
            .prefetch_related(Prefetch("product_types", queryset=on_sale))
        )


# VAT check


class VatCheckView(DjangoErrorsMixin, APIView):
    """Check a VAT number as a number of the given country, without saving anything."""

    token_family = "organizations"

    @extend_schema(
        tags=["vat"],
        summary="Check a VAT number",
        description="Answers 200 for any well-formed request: `valid` says whether the number is one of "
        "`country`, and `reason` why not.",
        request=serializers.VatCheckInputSerializer,
        responses={200: serializers.VatCheckSerializer, **error_responses(400)},
    )
    def post(self, request):
        data = parse(request, serializers.VatCheckInputSerializer)
        result = check_vat_number(data["country"], data["number"])
        return Response(serializers.VatCheckSerializer(result).data)
