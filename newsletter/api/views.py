"""The Newsletter API: mailing lists and subscribers of a Newsletter product.

Only API tokens of the Newsletter application call it (a Manager API token or a browser session is refused
with 403); within the token's user's access to the product: a product out of reach is a 404.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api.exceptions import DjangoErrorsMixin
from core.api.inputs import parse
from newsletter import selectors, services
from newsletter.api import serializers
from newsletter.models import MailingList, Subscriber
from organizations.two_factor import two_factor_missing, two_factor_refusal

PRODUCT_ID = OpenApiParameter("product_id", int, OpenApiParameter.PATH, description="The Newsletter product.")
LIST_ID = OpenApiParameter("list_id", int, OpenApiParameter.PATH, description="The mailing list.")


class NewsletterApiMixin(DjangoErrorsMixin):
    token_application = "newsletter"
    token_family = "newsletter"
    tokens_only = True


class NewsletterProductScopedMixin(NewsletterApiMixin):
    """Resolve `product_id` through the access resolver before any handler runs (404 when out of reach)."""

    model = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        reached = selectors.newsletter_product_for(request.user, kwargs["product_id"])
        if reached is None:
            raise Http404(_("No such Newsletter product."))
        self.access, self.product = reached
        if two_factor_missing(self.access):
            raise PermissionDenied(two_factor_refusal(self.access))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset()


@extend_schema_view(get=extend_schema(tags=["newsletter"], summary="The Newsletter products you can reach"))
class NewsletterProductListView(NewsletterApiMixin, generics.ListAPIView):
    serializer_class = serializers.NewsletterProductSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.newsletter_products_of(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="The mailing lists of a Newsletter product"),
    retrieve=extend_schema(summary="A mailing list"),
    create=extend_schema(
        summary="Create a mailing list",
        request=serializers.MailingListInputSerializer,
        responses={201: serializers.MailingListSerializer},
    ),
    destroy=extend_schema(summary="Delete a mailing list and its subscribers", responses={204: None}),
)
@extend_schema(tags=["newsletter"], parameters=[PRODUCT_ID])
class MailingListViewSet(
    NewsletterProductScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    model = MailingList
    serializer_class = serializers.MailingListSerializer
    lookup_url_kwarg = "id"

    def scoped_queryset(self):
        return selectors.mailing_lists_of(self.product)

    def create(self, request, product_id):
        data = parse(request, serializers.MailingListInputSerializer)
        mailing_list = services.mailing_list_create(access=self.access, product=self.product, **data)
        output = self.get_queryset().get(pk=mailing_list.pk)
        return Response(self.get_serializer(output).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, product_id, id):
        services.mailing_list_delete(access=self.access, mailing_list=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="The subscribers of a mailing list"),
    create=extend_schema(
        summary="Subscribe an address",
        request=serializers.SubscriberInputSerializer,
        responses={201: serializers.SubscriberSerializer},
    ),
    destroy=extend_schema(summary="Unsubscribe an address", responses={204: None}),
)
@extend_schema(tags=["newsletter"], parameters=[PRODUCT_ID, LIST_ID])
class SubscriberViewSet(NewsletterProductScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    model = Subscriber
    serializer_class = serializers.SubscriberSerializer
    lookup_url_kwarg = "id"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.mailing_list = selectors.mailing_lists_of(self.product).filter(pk=kwargs["list_id"]).first()
        if self.mailing_list is None:
            raise Http404(_("No such mailing list."))

    def scoped_queryset(self):
        return selectors.subscribers_of(self.mailing_list)

    def create(self, request, product_id, list_id):
        data = parse(request, serializers.SubscriberInputSerializer)
        subscriber = services.subscriber_add(access=self.access, mailing_list=self.mailing_list, **data)
        return Response(self.get_serializer(subscriber).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, product_id, list_id, id):
        services.subscriber_remove(access=self.access, subscriber=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
