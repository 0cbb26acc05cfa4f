"""API tokens over the API: list yours, create one (with your password; answered once), revoke one."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.api.exceptions import DjangoErrorsMixin
from core.api.inputs import parse
from tokens import selectors, services
from tokens.api import serializers
from tokens.models import ApiToken


@extend_schema_view(
    list=extend_schema(summary="Your API tokens"),
    create=extend_schema(
        summary="Create a token",
        description="Needs your password. The answer's `token` is the only time the token is shown.",
        request=serializers.ApiTokenInputSerializer,
        responses={201: serializers.ApiTokenCreatedSerializer},
        examples=[
            OpenApiExample(
                "Read invoices",
                value={
                    "name": "Accounting export",
                    "application": "manager",
                    "scopes": ["billing:read"],
                    "expires_at": None,
                    "password": "your password",
                },
                request_only=True,
            )
        ],
    ),
    destroy=extend_schema(summary="Revoke a token", responses={204: None}),
)
@extend_schema(tags=["tokens"])
class ApiTokenViewSet(DjangoErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    token_family = "tokens"
    serializer_class = serializers.ApiTokenSerializer
    lookup_url_kwarg = "id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.tokens_of(self.request.user)

    def create(self, request):
        data = parse(request, serializers.ApiTokenInputSerializer)
        token, plaintext = services.token_create(user=request.user, **data)
        token.plaintext = plaintext
        return Response(
            serializers.ApiTokenCreatedSerializer(token).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    def destroy(self, request, id):
        token = self.get_queryset().filter(pk=id).first()
        if token is None:
            raise Http404(_("No such token."))
        services.token_revoke(token=token, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
