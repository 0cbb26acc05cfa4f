"""The partner program API: the directory, the client's partnerships, and the partner's Reseller Area.

Views parse input with an Input serializer, call a service of `partners.services` and answer with an Output
serializer; who may do what, and in which state, is decided there (a move the partnership's state refuses is
answered 409 by the API's error mapping). Every endpoint below `organizations/{org_id}/` asks the access
resolver first and reaches partnerships through `partners.selectors` only, so a partnership of other
organizations is a 404.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import fields as drf_fields
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from core.api.exceptions import DjangoErrorsMixin, error_responses
from core.sudo import api_sudo_check
from organizations.access import RESELLER_PERMISSIONS, Access, Permission
from organizations.api.views import ORG_ID, OrganizationScopedMixin
from partners import selectors, services
from partners.api import serializers
from partners.models import Access as AccessLevel
from partners.models import (
    BulkRun,
    BulkRunItem,
    ClientRequest,
    InitiatedBy,
    PartnerProfile,
    Partnership,
    PartnerTeam,
)

# How a 403 says what the caller's role does not allow: a whole sentence per permission, with the role.
PERMISSION_WORDING = {
    Permission.VIEW_PARTNERS: gettext_lazy(
        "Your role (%(role)s) does not allow you to see the organization's partners."
    ),
    Permission.MANAGE_PARTNERS: gettext_lazy(
        "Your role (%(role)s) does not allow you to manage the organization's partners."
    ),
    Permission.VIEW_MANAGED_CLIENTS: gettext_lazy(
        "Your role (%(role)s) does not allow you to see the managed clients."
    ),
    Permission.ANSWER_INVITATIONS: gettext_lazy(
        "Your role (%(role)s) does not allow you to answer partnership invitations."
    ),
    Permission.MANAGE_CLIENTS: gettext_lazy(
        "Your role (%(role)s) does not allow you to add or stop managed clients."
    ),
}

PARTNERSHIP_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The partnership's id.")
CLIENT_ID = OpenApiParameter(
    "client_id", int, OpenApiParameter.PATH, description="The managed client organization's id."
)
SEARCH = OpenApiParameter(
    "search", str, OpenApiParameter.QUERY, description="Part of the partner's name or contact email."
)


SESSION_PASSWORD_NOTE = (
    "With a browser session (not a token), Full access and who pays need the password confirmed within "
    "the last few minutes (403 otherwise)."
)


class PartnerProgramMixin(OrganizationScopedMixin):
    """The organization endpoints of the partner program: a partner acting for the organization has no part
    in its own partnerships (404); the Reseller Area says when the organization is not a partner."""

    token_family = "partners"

    model = Partnership
    open_to_partners = False
    permission_wording = PERMISSION_WORDING

    def deny(self, access: Access, permission: Permission):
        if permission in RESELLER_PERMISSIONS and not access.organization.is_referenced_partner:
            raise PermissionDenied(
                _("%(organization)s is not a referenced partner; the Reseller Area is for partners.")
                % {"organization": access.organization.name}
            )
        super().deny(access, permission)

    def output(self, partnership: Partnership, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(serializers.PartnershipSerializer(partnership).data, status=status_code)


def _with_output_relations(partnerships: QuerySet[Partnership]) -> QuerySet[Partnership]:
    """Everything `PartnershipSerializer` reads, in a fixed number of queries whatever the row count."""
    return partnerships.select_related("client", "partner").prefetch_related("products")


# The directory


@extend_schema_view(
    get=extend_schema(
        tags=["partners"],
        summary="The partner directory",
        description="Referenced partners listed in the directory, searchable by name or contact email. "
        "Any signed-in user may search it.",
        parameters=[SEARCH],
        responses={200: serializers.PartnerDirectorySerializer(many=True), **error_responses(403)},
    )
)
class PartnerDirectoryView(DjangoErrorsMixin, generics.ListAPIView):
    """The referenced partners a client can invite."""

    token_family = "partners"

    serializer_class = serializers.PartnerDirectorySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartnerProfile.objects.none()
        return selectors.partner_directory(self.request.query_params.get("search", ""))


# Client side: Partner


@extend_schema_view(
    list=extend_schema(
        summary="Your partners: invitations, active partnerships and history",
        description="Legal representatives and administrators.",
        responses={200: serializers.PartnershipSerializer(many=True), **error_responses(403, 404)},
    ),
    retrieve=extend_schema(
        summary="A partnership",
        parameters=[PARTNERSHIP_ID],
        responses={200: serializers.PartnershipSerializer, **error_responses(403, 404)},
    ),
    create=extend_schema(
        summary="Add a partner (invite a referenced partner)",
        description="Legal representatives only. Limited access needs `products`; only Full access lets the "
        "partner pay. The partner is emailed a link to accept or refuse. " + SESSION_PASSWORD_NOTE,
        request=serializers.PartnershipInviteInputSerializer,
        responses={201: serializers.PartnershipSerializer, **error_responses(400, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change who pays, or what the partner may do",
        description="Legal representatives only, on an active partnership. `payment_method` alone changes "
        "who pays (`partner` only with Full or Billing access), for orders and renewals from now on. "
        "`access` (with `products` for Limited) changes what the partner may do, at once, for every member "
        "of the partner; a partner that may not pay under the new access stops paying. The partner is "
        "emailed. " + SESSION_PASSWORD_NOTE,
        parameters=[PARTNERSHIP_ID],
        request=serializers.PartnershipChangeInputSerializer,
        responses={200: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Delete a pending invitation",
        description="Legal representatives only, on an invitation you sent that is still pending; it stays "
        "in the history as cancelled.",
        parameters=[PARTNERSHIP_ID],
        responses={204: None, **error_responses(403, 404, 409)},
    ),
)
@extend_schema(tags=["partnerships"], parameters=[ORG_ID])
class PartnershipViewSet(
    PartnerProgramMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The organization's partners, as the client: every partnership, live ones and their history."""

    serializer_class = serializers.PartnershipSerializer
    lookup_url_kwarg = "id"
    permissions = {
        "list": Permission.VIEW_PARTNERS,
        "retrieve": Permission.VIEW_PARTNERS,
        "create": Permission.MANAGE_PARTNERS,
        "partial_update": Permission.MANAGE_PARTNERS,
        "destroy": Permission.MANAGE_PARTNERS,
        "resend": Permission.MANAGE_PARTNERS,
        "stop": Permission.MANAGE_PARTNERS,
        "accept": Permission.MANAGE_PARTNERS,
        "refuse": Permission.MANAGE_PARTNERS,
        "end_of_access": Permission.MANAGE_PARTNERS,
        "renewal_accept": Permission.MANAGE_PARTNERS,
        "renewal_refuse": Permission.MANAGE_PARTNERS,
        "transfer_code": Permission.MANAGE_PARTNERS,
    }

    def scoped_queryset(self, access):
        return _with_output_relations(selectors.partnerships_of_client(access))

    def create(self, request, org_id):
        data = self.parse(serializers.PartnershipInviteInputSerializer)
        password_confirmed = False
        if data["access"] in services.NEEDS_PASSWORD:
            api_sudo_check(request)
            password_confirmed = True
        partnership = services.partnership_invite(
            access=self.access,
            partner=data["partner"],
            access_level=data["access"],
            products=data.get("products", []),
            payment_method=data["payment_method"],
            ends_at=data.get("ends_at"),
            password_confirmed=password_confirmed,
        )
        return self.output(partnership, status.HTTP_201_CREATED)

    def partial_update(self, request, org_id, id):
        partnership = self.get_object()
        data = self.parse(serializers.PartnershipChangeInputSerializer)
        api_sudo_check(request)
        if "access" in data:
            partnership = services.partnership_change_access(
                access=self.access,
                partnership=partnership,
                access_level=data["access"],
                products=data.get("products", []),
                payment_method=data.get("payment_method"),
                password_confirmed=True,
            )
        else:
            partnership = services.partnership_change_payment_method(
                access=self.access,
                partnership=partnership,
                payment_method=data["payment_method"],
                password_confirmed=True,
            )
        return self.output(partnership)

    def destroy(self, request, org_id, id):
        services.partnership_cancel(access=self.access, partnership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Resend a pending invitation",
        description="A fresh link is emailed; every link sent before stops working.",
        parameters=[PARTNERSHIP_ID],
        request=None,
        responses={200: serializers.PartnershipSerializer, **error_responses(403, 404, 409)},
    )
    def resend(self, request, org_id, id):
        return self.output(services.partnership_resend(access=self.access, partnership=self.get_object()))

    @extend_schema(
        summary="Stop Collaboration",
        description="Legal representatives only, confirmed with your password. The partner's access ends at "
        "once; products, invoices and history stay.",
        parameters=[PARTNERSHIP_ID],
        request=serializers.PasswordInputSerializer,
        responses={200: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    )
    def stop(self, request, org_id, id):
        partnership = self.get_object()
        data = self.parse(serializers.PasswordInputSerializer)
        return self.output(
            services.partnership_stop(access=self.access, partnership=partnership, password=data["password"])
        )

    @extend_schema(
        summary="Accept a partner's request for access",
        description="Legal representatives only. You may narrow the request: `limited` instead of Full (with "
        "`products`), or `client` to keep paying yourself. " + SESSION_PASSWORD_NOTE,
        parameters=[PARTNERSHIP_ID],
        request=serializers.RequestAnswerInputSerializer,
        responses={200: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    )
    def accept(self, request, org_id, id):
        partnership = self.get_object()
        data = self.parse(serializers.RequestAnswerInputSerializer)
        password_confirmed = False
        if data.get("access", partnership.access) in services.NEEDS_PASSWORD:
            api_sudo_check(request)
            password_confirmed = True
        partnership = services.partnership_accept(
            access=self.access,
            partnership=partnership,
            access_level=data.get("access"),
            products=data.get("products"),
            payment_method=data.get("payment_method"),
            ends_at=data.get("ends_at", services.KEEP),
            password_confirmed=password_confirmed,
        )
        return self.output(partnership)

    @extend_schema(
        summary="Change how long the partner has access",
        description="Legal representatives only, on an active partnership: extend or shorten it, or lift its "
        "end (`null`). To end it now, stop the collaboration. The partner is emailed; reminders start again "
        "for the new end. "
        + SESSION_PASSWORD_NOTE.replace("Full access and who pays", "extending Full access"),
        parameters=[PARTNERSHIP_ID],
        request=serializers.EndOfAccessInputSerializer,
        responses={200: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    )
    def end_of_access(self, request, org_id, id):
        partnership = self.get_object()
        data = self.parse(serializers.EndOfAccessInputSerializer)
        password_confirmed = False
        if partnership.access == AccessLevel.FULL and services._extends(partnership.ends_at, data["ends_at"]):
            api_sudo_check(request)
            password_confirmed = True
        partnership = services.partnership_change_end(
            access=self.access,
            partnership=partnership,
            ends_at=data["ends_at"],
            password_confirmed=password_confirmed,
        )
        return self.output(partnership)

    @extend_schema(
        summary="Accept the partner's renewal request",
        description="Legal representatives only: the access goes on until the end the partner asked for, or "
        "the one you give (`ends_at`). " + SESSION_PASSWORD_NOTE,
        parameters=[PARTNERSHIP_ID],
        request=serializers.RenewalAcceptInputSerializer,
        responses={200: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    )
    def renewal_accept(self, request, org_id, id):
        partnership = self.get_object()
        data = self.parse(serializers.RenewalAcceptInputSerializer)
        password_confirmed = False
        if partnership.access == AccessLevel.FULL:
            api_sudo_check(request)
            password_confirmed = True
        partnership = services.partnership_answer_renewal(
            access=self.access,
            partnership=partnership,
            accept=True,
            ends_at=data.get("ends_at", services.KEEP),
            password_confirmed=password_confirmed,
        )
        return self.output(partnership)

    @extend_schema(
        summary="Refuse the partner's renewal request",
        description="Legal representatives only; the access keeps its end and the partner is emailed.",
        parameters=[PARTNERSHIP_ID],
        request=None,
        responses={200: serializers.PartnershipSerializer, **error_responses(403, 404, 409)},
    )
    def renewal_refuse(self, request, org_id, id):
        return self.output(
            services.partnership_answer_renewal(
                access=self.access, partnership=self.get_object(), accept=False
            )
        )

    @extend_schema(
        summary="Create a transfer code (handover to another partner)",
        description=(
            "Legal representatives only, on an active partnership. The code, shown this once and valid "
            "14 days, lets another referenced partner take over with the same access, products, payment "
            "and end; a new code cancels the previous one. With a browser session, the password must have "
            "been confirmed within the last few minutes (403 otherwise)."
        ),
        parameters=[PARTNERSHIP_ID],
        request=None,
        responses={201: serializers.TransferCodeSerializer, **error_responses(403, 404, 409)},
    )
    def transfer_code(self, request, org_id, id):
        partnership = self.get_object()
        api_sudo_check(request)
        code, record = services.partnership_transfer_code_create(
            access=self.access, partnership=partnership, password_confirmed=True
        )
        return Response(
            serializers.TransferCodeSerializer({"code": code, "expires_at": record.expires_at}).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    @extend_schema(
        summary="Refuse a partner's request for access",
        description="Legal representatives only; the partner is emailed.",
        parameters=[PARTNERSHIP_ID],
        request=None,
        responses={200: serializers.PartnershipSerializer, **error_responses(403, 404, 409)},
    )
    def refuse(self, request, org_id, id):
        return self.output(services.partnership_refuse(access=self.access, partnership=self.get_object()))


# Partner side: Reseller Area


class PartnerSideMixin(PartnerProgramMixin):
    """A partnership of which the organization is the partner, started by `initiated_by`; else a 404."""

    initiated_by: str

    def get_object(self) -> Partnership:
        partnership = selectors.partnership_for(self.access, self.kwargs["id"])
        if (
            partnership is None
            or partnership.partner_id != self.access.organization.pk
            or partnership.initiated_by != self.initiated_by
        ):
            raise NotFound(_("No such partnership."))
        return partnership

    def scoped_queryset(self, access):
        return _with_output_relations(selectors.pending_partnerships_of_partner(access))


@extend_schema_view(
    list=extend_schema(
        summary="Invitations received from clients, waiting for your answer",
        description="Partner organizations only.",
        responses={200: serializers.PartnershipSerializer(many=True), **error_responses(403, 404)},
    ),
)
@extend_schema(tags=["reseller area"], parameters=[ORG_ID])
class InvitationViewSet(PartnerSideMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Invitations clients sent to the organization as their partner."""

    serializer_class = serializers.PartnershipSerializer
    initiated_by = InitiatedBy.CLIENT
    permissions = {
        "list": Permission.VIEW_MANAGED_CLIENTS,
        "accept": Permission.ANSWER_INVITATIONS,
        "refuse": Permission.ANSWER_INVITATIONS,
    }

    @extend_schema(
        summary="Accept a client's invitation",
        description="Legal representatives and administrators of the partner. The invitation is accepted as "
        "the client sent it; a request body is ignored.",
        parameters=[PARTNERSHIP_ID],
        request=None,
        responses={200: serializers.PartnershipSerializer, **error_responses(403, 404, 409)},
    )
    def accept(self, request, org_id, id):
        return self.output(services.partnership_accept(access=self.access, partnership=self.get_object()))

    @extend_schema(
        summary="Refuse a client's invitation",
        description="Legal representatives and administrators of the partner; the client is emailed.",
        parameters=[PARTNERSHIP_ID],
        request=None,
        responses={200: serializers.PartnershipSerializer, **error_responses(403, 404, 409)},
    )
    def refuse(self, request, org_id, id):
        return self.output(services.partnership_refuse(access=self.access, partnership=self.get_object()))


CLIENT_REQUEST_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The request's id.")


@extend_schema_view(
    list=extend_schema(
        summary="Your requests to clients, waiting for their answer",
        description="Partner organizations only. Each request as you sent it, by the address you typed, "
        "whether or not it belongs to a legal representative; it leaves the list when the client answers, "
        "when you delete it, or when its link expires.",
        responses={200: serializers.ClientRequestSerializer(many=True), **error_responses(403, 404)},
    ),
    create=extend_schema(
        summary="Add a client (ask a client for access)",
        description="Legal representatives of a partner organization. The client is found by its legal "
        "representative's email and emailed a link; it may narrow what you ask when it accepts. The answer "
        "is the same 202 whether or not the address belongs to a legal representative, and the request is "
        "listed the same way.",
        request=serializers.ClientRequestInputSerializer,
        responses={
            202: inline_serializer("ClientRequestSent", fields={"detail": drf_fields.CharField()}),
            **error_responses(400, 403, 404),
        },
    ),
    destroy=extend_schema(
        summary="Delete a pending request",
        description="Legal representatives of the partner; it stays in the history as cancelled.",
        parameters=[CLIENT_REQUEST_ID],
        responses={204: None, **error_responses(403, 404, 409)},
    ),
)
@extend_schema(tags=["reseller area"], parameters=[ORG_ID])
class ClientRequestViewSet(PartnerProgramMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Requests for access the organization, as a partner, sent to clients."""

    model = ClientRequest
    serializer_class = serializers.ClientRequestSerializer
    permissions = {
        "list": Permission.VIEW_MANAGED_CLIENTS,
        "create": Permission.MANAGE_CLIENTS,
        "destroy": Permission.MANAGE_CLIENTS,
        "resend": Permission.MANAGE_CLIENTS,
    }

    def scoped_queryset(self, access):
        return selectors.pending_client_requests(access)

    def get_object(self) -> ClientRequest:
        client_request = selectors.client_request_for(self.access, self.kwargs["id"])
        if client_request is None:
            raise NotFound(_("No such request."))
        return client_request

    def create(self, request, org_id):
        data = self.parse(serializers.ClientRequestInputSerializer)
        services.partnership_request(
            access=self.access,
            client_email=data["client_email"],
            access_level=data["access"],
            payment_method=data["payment_method"],
            ends_at=data.get("ends_at"),
        )
        # The same answer for every address: it must not tell who is a legal representative.
        return Response({"detail": str(services.CLIENT_REQUEST_SENT)}, status=status.HTTP_202_ACCEPTED)

    def destroy(self, request, org_id, id):
        services.client_request_cancel(access=self.access, client_request=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Resend a pending request",
        description="A fresh link is emailed; every link sent before stops working, and the request is "
        "pending for the full time again.",
        parameters=[CLIENT_REQUEST_ID],
        request=None,
        responses={200: serializers.ClientRequestSerializer, **error_responses(403, 404, 409)},
    )
    def resend(self, request, org_id, id):
        client_request = services.client_request_resend(access=self.access, client_request=self.get_object())
        return Response(serializers.ClientRequestSerializer(client_request).data)


TEAM_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The team's id.")


@extend_schema_view(
    list=extend_schema(
        summary="Your teams",
        description="Legal representatives of a partner organization: groups of your members assigned to "
        "clients together (see the assignment of a managed client).",
        responses={200: serializers.PartnerTeamSerializer(many=True), **error_responses(403, 404)},
    ),
    retrieve=extend_schema(
        summary="A team",
        parameters=[TEAM_ID],
        responses={200: serializers.PartnerTeamSerializer, **error_responses(403, 404)},
    ),
    create=extend_schema(
        summary="Create a team",
        description="A name unique in your organization (400 naming `name`) and members of your organization "
        "who act for its clients (400 naming `members`).",
        request=serializers.PartnerTeamInputSerializer,
        responses={201: serializers.PartnerTeamSerializer, **error_responses(400, 403, 404)},
    ),
    update=extend_schema(
        summary="Rename a team or change its members",
        description="Its clients follow its members at once: who leaves the team loses them.",
        parameters=[TEAM_ID],
        request=serializers.PartnerTeamInputSerializer,
        responses={200: serializers.PartnerTeamSerializer, **error_responses(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete a team",
        description="Its members keep the clients assigned to them directly or through another team.",
        parameters=[TEAM_ID],
        responses={204: None, **error_responses(403, 404)},
    ),
)
@extend_schema(tags=["reseller area"], parameters=[ORG_ID])
class PartnerTeamViewSet(PartnerProgramMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Reseller Area → Teams."""

    model = PartnerTeam
    serializer_class = serializers.PartnerTeamSerializer
    permissions = {
        "list": Permission.MANAGE_CLIENTS,
        "retrieve": Permission.MANAGE_CLIENTS,
        "create": Permission.MANAGE_CLIENTS,
        "update": Permission.MANAGE_CLIENTS,
        "destroy": Permission.MANAGE_CLIENTS,
    }

    def scoped_queryset(self, access):
        return selectors.partner_teams(access)

    def get_object(self) -> PartnerTeam:
        team = selectors.team_for(self.access, self.kwargs["id"])
        if team is None:
            raise NotFound(_("No such team."))
        return team

    def _answer(self, team: PartnerTeam, status_code: int = status.HTTP_200_OK) -> Response:
        team = selectors.team_for(self.access, team.pk)
        return Response(serializers.PartnerTeamSerializer(team).data, status=status_code)

    def retrieve(self, request, org_id, id):
        return self._answer(self.get_object())

    def create(self, request, org_id):
        data = self.parse(serializers.PartnerTeamInputSerializer)
        team = services.partner_team_save(
            access=self.access, name=data["name"], membership_ids=data["members"]
        )
        return self._answer(team, status.HTTP_201_CREATED)

    def update(self, request, org_id, id):
        team = self.get_object()
        data = self.parse(serializers.PartnerTeamInputSerializer)
        team = services.partner_team_save(
            access=self.access, team=team, name=data["name"], membership_ids=data["members"]
        )
        return self._answer(team)

    def destroy(self, request, org_id, id):
        services.partner_team_delete(access=self.access, team=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


MANAGED_CLIENT_FILTERS = [
    OpenApiParameter(
        "search",
        str,
        OpenApiParameter.QUERY,
        description="Part of the client's name or of the email address of one of its users.",
    ),
    OpenApiParameter("access", str, OpenApiParameter.QUERY, enum=["limited", "full"]),
    OpenApiParameter(
        "payment_method",
        str,
        OpenApiParameter.QUERY,
        enum=["client", "partner"],
        description="Who pays the client's orders and renewals.",
    ),
    OpenApiParameter(
        "ordering",
        str,
        OpenApiParameter.QUERY,
        enum=list(selectors.MANAGED_CLIENT_ORDERINGS),
        description="`name` (default), `since` (when the partnership became active), `products` (count) "
        "or `until` (soonest end first, no end last); a leading `-` reverses it.",
    ),
    OpenApiParameter(
        "until",
        str,
        OpenApiParameter.QUERY,
        enum=list(selectors.UNTIL_FILTERS),
        description="`soon`: access ending within 30 days; `dated`: with an end; `none`: with no end.",
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="Managed Clients",
        description="The clients the organization manages through an active partnership, with the product "
        "count of each, searchable, filtered and sorted, in pages (`page`, `page_size`). Partner "
        "organizations only.",
        parameters=MANAGED_CLIENT_FILTERS,
        responses={200: serializers.ManagedClientSerializer(many=True), **error_responses(400, 403, 404)},
    ),
)
@extend_schema(tags=["reseller area"], parameters=[ORG_ID])
class ManagedClientViewSet(PartnerProgramMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Reseller Area → Managed Clients."""

    serializer_class = serializers.ManagedClientSerializer
    permissions = {
        "list": Permission.VIEW_MANAGED_CLIENTS,
        "stop": Permission.MANAGE_CLIENTS,
        "renewal_request": Permission.MANAGE_CLIENTS,
        "take_over": Permission.MANAGE_CLIENTS,
        "bulk_stop": Permission.MANAGE_CLIENTS,
        "bulk_renewal_request": Permission.MANAGE_CLIENTS,
        "assignment": Permission.MANAGE_CLIENTS,
        "assign": Permission.MANAGE_CLIENTS,
    }

    def _bulk_targets(self, data) -> list[Partnership]:
        partnerships = selectors.managed_partnerships(
            self.access.organization,
            search=data.get("search", ""),
            access_level=data.get("access", ""),
            payment_method=data.get("payment_method", ""),
            until=data.get("until_filter", ""),
        )
        if "clients" in data:
            partnerships = partnerships.filter(client_id__in=data["clients"])
        partnerships = list(
            partnerships.select_related("client").order_by("client_name", "client_id")[
                : services.BULK_MAX + 1
            ]
        )
        if len(partnerships) > services.BULK_MAX:
            raise ValidationError(
                {"clients": _("Choose at most %(count)s clients at a time.") % {"count": services.BULK_MAX}}
            )
        return partnerships

    @staticmethod
    def _results(results) -> Response:
        rows = [
            {"client_id": row.client_id, "name": row.client.name, "done": not reason, "reason": reason}
            for row, reason in results
        ]
        return Response({"results": serializers.BulkResultSerializer(rows, many=True).data})

    def scoped_queryset(self, access):
        if self.action != "list":
            return selectors.managed_clients(access)
        query = serializers.ManagedClientFilterInputSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.managed_clients(
            access,
            search=filters.get("search", ""),
            access_level=filters.get("access", ""),
            payment_method=filters.get("payment_method", ""),
            until=filters.get("until", ""),
            ordering=filters["ordering"],
        )

    @extend_schema(
        summary="Stop Collaboration with a client",
        description="Legal representatives of the partner, confirmed with your password. Your access to the "
        "client ends at once; its products, invoices and history stay.",
        parameters=[CLIENT_ID],
        request=serializers.PasswordInputSerializer,
        responses={200: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    )
    def stop(self, request, org_id, client_id):
        partnership = self.get_queryset().filter(client_id=client_id).first()
        if partnership is None:
            raise NotFound(_("No such managed client."))
        data = self.parse(serializers.PasswordInputSerializer)
        return self.output(
            services.partnership_stop(access=self.access, partnership=partnership, password=data["password"])
        )

    @extend_schema(
        summary="Ask a client to renew your access",
        description="Legal representatives of the partner, for a time-limited access still running: the "
        "client's legal representatives are emailed and accept or refuse it (`until`: the end you ask for, "
        "after the current one; null or left out: no end). A new request replaces one not yet answered.",
        parameters=[CLIENT_ID],
        request=serializers.RenewalRequestInputSerializer,
        responses={200: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    )
    def renewal_request(self, request, org_id, client_id):
        partnership = self.get_queryset().filter(client_id=client_id).first()
        if partnership is None:
            raise NotFound(_("No such managed client."))
        data = self.parse(serializers.RenewalRequestInputSerializer)
        return self.output(
            services.partnership_request_renewal(
                access=self.access, partnership=partnership, until=data.get("until")
            )
        )

    def _managed_or_404(self, client_id) -> Partnership:
        partnership = self.get_queryset().filter(client_id=client_id).first()
        if partnership is None:
            raise NotFound(_("No such managed client."))
        return partnership

    @staticmethod
    def _assignment(partnership: Partnership) -> Response:
        data = {
            "assigned_members_only": partnership.assigned_members_only,
            "members": sorted(partnership.assignments.values_list("membership_id", flat=True)),
            "teams": sorted(partnership.assigned_teams.values_list("pk", flat=True)),
        }
        return Response(serializers.AssignmentSerializer(data).data)

    @extend_schema(
        summary="Who acts for a client",
        description="Legal representatives of the partner: whether every member of your organization acts "
        "for the client, or only your legal representatives and the members assigned to it.",
        parameters=[CLIENT_ID],
        responses={200: serializers.AssignmentSerializer, **error_responses(403, 404)},
    )
    def assignment(self, request, org_id, client_id):
        return self._assignment(self._managed_or_404(client_id))

    @extend_schema(
        summary="Choose who acts for a client",
        description="Legal representatives of the partner: every member (`assigned_members_only` false), or "
        "your legal representatives, the administrators and users in `members` (membership ids) and the "
        "members of the `teams`. Those left out lose the client at once; the newly assigned members are "
        "emailed. 400 naming `members` when one is not an administrator or user of your organization, "
        "`teams` when one is not your team.",
        parameters=[CLIENT_ID],
        request=serializers.AssignmentSerializer,
        responses={200: serializers.AssignmentSerializer, **error_responses(400, 403, 404, 409)},
    )
    def assign(self, request, org_id, client_id):
        partnership = self._managed_or_404(client_id)
        data = self.parse(serializers.AssignmentSerializer)
        partnership = services.partnership_assign_members(
            access=self.access,
            partnership=partnership,
            members_only=data["assigned_members_only"],
            membership_ids=data["members"],
            team_ids=data["teams"],
        )
        return self._assignment(partnership)

    @extend_schema(
        summary="Take over a client with its transfer code",
        description=(
            "Legal representatives of a referenced partner. In one step the client's partnership with its "
            "previous partner ends (`handover`) and yours starts with the same access, products, payment "
            "and end; both partners and the client are emailed. A code works once (400 naming `code` when "
            "it is wrong, used or expired)."
        ),
        request=serializers.TransferCodeInputSerializer,
        responses={201: serializers.PartnershipSerializer, **error_responses(400, 403, 404, 409)},
    )
    def take_over(self, request, org_id):
        data = self.parse(serializers.TransferCodeInputSerializer)
        partnership = services.partnership_handover_accept(access=self.access, code=data["code"])
        return self.output(partnership, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Stop Collaboration with several clients",
        description=(
            "Legal representatives of the partner, with the password once for all. The ticked `clients`, or "
            "every managed client matching the filters (at most 200); a result per client."
        ),
        request=serializers.BulkStopInputSerializer,
        responses={
            200: inline_serializer(
                "BulkResults", fields={"results": serializers.BulkResultSerializer(many=True)}
            ),
            **error_responses(400, 403, 404),
        },
    )
    def bulk_stop(self, request, org_id):
        data = self.parse(serializers.BulkStopInputSerializer)
        targets = self._bulk_targets(data)
        return self._results(
            services.partnerships_stop_many(
                access=self.access, partnerships=targets, password=data["password"]
            )
        )

    @extend_schema(
        summary="Ask several clients to renew your access",
        description=(
            "Legal representatives of the partner: the ticked `clients`, or every managed client matching "
            "the filters (at most 200); a client whose access has no end is refused in its result."
        ),
        request=serializers.BulkRenewalInputSerializer,
        responses={
            200: inline_serializer(
                "BulkRenewalResults", fields={"results": serializers.BulkResultSerializer(many=True)}
            ),
            **error_responses(400, 403, 404),
        },
    )
    def bulk_renewal_request(self, request, org_id):
        data = self.parse(serializers.BulkRenewalInputSerializer)
        targets = self._bulk_targets(data)
        return self._results(
            services.partnerships_request_renewal_many(
                access=self.access, partnerships=targets, until=data.get("until")
            )
        )


@extend_schema(tags=["reseller area"], parameters=[ORG_ID])
class BulkRunViewSet(PartnerProgramMixin, viewsets.GenericViewSet):
    """Reseller Area → Managed Clients: the bulk actions started in the console, which run in the
    background."""

    model = BulkRun
    serializer_class = serializers.BulkRunSerializer
    permissions = {"retrieve": Permission.VIEW_MANAGED_CLIENTS}

    def scoped_queryset(self, access):
        items = BulkRunItem.objects.select_related("partnership").order_by("client_name", "pk")
        return BulkRun.objects.filter(organization=access.organization).prefetch_related(
            Prefetch("items", queryset=items)
        )

    @extend_schema(
        summary="A bulk action of Managed Clients",
        description=(
            "A bulk action started in the console (Stop Collaboration or a renewal request for several "
            "clients), carried out in the background: `finished` once every client has its `outcome` "
            "(`pending`, `done` or `refused` with the `reason`). The bulk endpoints of the API answer at "
            "once instead."
        ),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The bulk action's id.")],
        responses={200: serializers.BulkRunSerializer, **error_responses(403, 404)},
    )
    def retrieve(self, request, org_id, id):
        run = self.get_queryset().filter(pk=id).first()
        if run is None:
            raise NotFound(_("No such bulk action."))
        return Response(self.get_serializer(run).data)
