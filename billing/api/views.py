"""The billing API: orders and renewals, invoices and their PDF, the wallet and its top-up, and the
billing-history export of a partner's managed clients.

Views parse input with an Input serializer, call a service of `billing.services` and answer with an Output
serializer; prices, payers and who may order are decided there. Every endpoint asks the access resolver first
(`OrganizationScopedMixin`). Invoices and the wallet live only with the organization that pays: a partner
acting for a client is answered 404 there. Money POSTs take an `Idempotency-Key` (`billing.idempotency`).
"""

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException, NotFound, Throttled, ValidationError
from rest_framework.response import Response

from billing import idempotency, payouts, selectors, services, statements
from billing.api import serializers
from billing.exports import (
    History,
    export_lines,
    export_rate_limited,
    own_invoices_filename,
    own_invoices_lines,
    prepared_export_response,
)
from billing.models import (
    ExportStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Order,
    PartnerStatement,
    Payout,
    Wallet,
)
from core.api.exceptions import error_responses
from core.api.negotiation import FileActionsMixin
from core.api.pagination import CursorPagination
from core.api.streams import started
from core.spreadsheets import csv_response
from organizations.access import Access, Permission
from organizations.api.views import ORG_ID, PERMISSION_WORDING, OrganizationScopedMixin
from organizations.models import Product
from organizations.selectors import products_visible_to
from partners.api.views import MANAGED_CLIENT_FILTERS, PartnerProgramMixin
from partners.api.views import PERMISSION_WORDING as PARTNER_PERMISSION_WORDING
from partners.models import Partnership

BILLING_PERMISSION_WORDING = {
    **PERMISSION_WORDING,
    Permission.MANAGE_PRODUCTS: gettext_lazy(
        "Your role (%(role)s) does not allow you to order or renew products."
    ),
    Permission.VIEW_BILLING: gettext_lazy(
        "Your role (%(role)s) does not allow you to see the invoices and the wallet."
    ),
    Permission.VIEW_INVOICES: gettext_lazy("Your role (%(role)s) does not allow you to see the invoices."),
    Permission.TOP_UP_WALLET: gettext_lazy("Your role (%(role)s) does not allow you to top up the wallet."),
}
LATEST_ENTRIES = 50

INVOICE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The invoice's id.")
PRODUCT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The product's id.")


def idempotency_key_parameter(*, required: bool) -> OpenApiParameter:
    return OpenApiParameter(
        idempotency.HEADER,
        str,
        OpenApiParameter.HEADER,
        required=required,
        description=f"A unique value per operation (e.g. a UUID, at most {idempotency.MAX_KEY_LENGTH} "
        "characters). Retrying with the same key and the same body answers the first response again "
        "(with `Idempotent-Replayed: true`) without a second charge; the same key with another body is a "
        "409. Keys are yours alone and per endpoint.",
    )


IDEMPOTENCY_409 = OpenApiResponse(description="The `Idempotency-Key` was already used with another body.")


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This Idempotency-Key was already used with another request body.")
    default_code = "idempotency_key_reused"


@contextmanager
def refusals_as_not_found_for_partners(access: Access):
    """A service's refusal is a 403, or a 404 for a partner: what lies outside its grant does not exist."""
    try:
        yield
    except DjangoPermissionDenied:
        if access.hides_refusals:
            raise NotFound(_("Not found.")) from None
        raise


class BillingScopedMixin(OrganizationScopedMixin):
    token_family = "billing"
    permission_wording = BILLING_PERMISSION_WORDING

    def idempotency_key(self, *, required: bool) -> str | None:
        """The request's `Idempotency-Key` header, checked; None when it is optional and absent or blank."""
        key = (self.request.headers.get(idempotency.HEADER) or "").strip()
        if not key and not required:
            return None  # an empty optional header is no key (clients often send one blank)
        if not key:
            raise ValidationError(
                {
                    idempotency.HEADER: [
                        _("This header is required: a unique value per operation, e.g. a UUID.")
                    ]
                }
            )
        if len(key) > idempotency.MAX_KEY_LENGTH:
            raise ValidationError(
                {
                    idempotency.HEADER: [
                        _("Use at most %(count)s characters.") % {"count": idempotency.MAX_KEY_LENGTH}
                    ]
                }
            )
        return key

    def answer_once(self, key: str | None, perform: Callable[[], tuple[int, Any]]) -> Response:
        """Answer `perform()`, or, for a key this user already sent to this endpoint, the first answer."""
        with refusals_as_not_found_for_partners(self.access):
            if key is None:
                status_code, body = perform()
                return Response(body, status=status_code)
            try:
                answer = idempotency.answer_once(
                    user=self.request.user,
                    scope=self.request.path_info,  # the endpoint, with its ids
                    key=key,
                    request_hash=idempotency.fingerprint(self.request.data),
                    perform=perform,
                )
            except idempotency.KeyReused as error:
                raise IdempotencyKeyReused(str(error)) from error
        response = Response(answer.body, status=answer.status)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


# Orders and renewals


def orders_of_visible_products(access: Access) -> QuerySet[Order]:
    """Orders and renewals of the products the caller sees in the organization (only the granted ones for a
    limited partner or an external member), newest first, with what `OrderSerializer` reads."""
    lines = InvoiceLine.objects.select_related("invoice").order_by("pk")
    return (
        Order.objects.filter(
            organization=access.organization, product__in=products_visible_to(access).values("pk")
        )
        .select_related("product", "product_type", "payer", "placed_by_partner")
        .prefetch_related(Prefetch("invoice_lines", queryset=lines))
        .order_by("-created_at", "-pk")
    )


ORDER_DESCRIPTION = (
    "Who is invoiced follows the client's active partnership: the client at the public price (its partner "
    "earns cashback), or a partner that pays for what it orders, at its reseller discount. The order's "
    "`invoice` is shown only to who may open the payer's invoices."
)


class OrderPagination(CursorPagination):
    ordering = ("-created_at", "-pk")


@extend_schema_view(
    list=extend_schema(
        summary="Orders and renewals",
        description="Of the products you can see (external members and limited partners: the "
        "products they were given), newest first. Paginated with a cursor: follow `next` until it is null "
        "(there is no count).",
        responses={200: serializers.OrderSerializer(many=True), **error_responses(400, 403, 404)},
    ),
    create=extend_schema(
        summary="Order a new product",
        description="The product is installed in this organization whoever pays; the payer's invoice is "
        "issued and paid from its wallet when the balance covers it. External members and limited partners "
        "cannot order new products. " + ORDER_DESCRIPTION,
        parameters=[idempotency_key_parameter(required=False)],
        request=serializers.OrderInputSerializer,
        responses={
            201: serializers.OrderSerializer,
            **error_responses(400, 403, 404),
            409: IDEMPOTENCY_409,
        },
    ),
)
@extend_schema(tags=["orders"], parameters=[ORG_ID])
class OrderViewSet(BillingScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Orders and renewals of the products installed in the organization."""

    model = Order
    serializer_class = serializers.OrderSerializer
    pagination_class = OrderPagination
    # Whoever sees the products sees their orders (a Read-only partner too); placing one needs more.
    permissions = {
        "list": Permission.VIEW_PRODUCTS,
        "create": Permission.MANAGE_PRODUCTS,
        "renew": Permission.MANAGE_PRODUCTS,
    }

    def scoped_queryset(self, access):
        return orders_of_visible_products(access)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if context["access"] is not None:
            context["viewer"] = serializers.OrderViewer(context["access"])
        return context

    def _answer_order(self, place: Callable[[], Order]) -> Callable[[], tuple[int, Any]]:
        def perform():
            order = self.get_queryset().get(pk=place().pk)
            return status.HTTP_201_CREATED, self.get_serializer(order).data

        return perform

    def create(self, request, org_id):
        key = self.idempotency_key(required=False)
        data = self.parse(serializers.OrderInputSerializer)
        place = self._answer_order(
            lambda: services.product_order(
                access=self.access, product_type=data["product_type"], name=data["name"]
            )
        )
        return self.answer_once(key, place)

    @extend_schema(
        summary="Renew a product for one more period",
        description="It counts as placed by whoever placed the product's first order, under the payment "
        "method in force today. " + ORDER_DESCRIPTION,
        parameters=[PRODUCT_ID, idempotency_key_parameter(required=False)],
        request=None,
        responses={
            201: serializers.OrderSerializer,
            **error_responses(400, 403, 404),
            409: IDEMPOTENCY_409,
        },
    )
    def renew(self, request, org_id, id):
        key = self.idempotency_key(required=False)
        product = selectors.renewable_product(self.access, id)
        if product is None:
            raise NotFound(_("No such product."))
        place = self._answer_order(lambda: services.product_renew(access=self.access, product=product))
        return self.answer_once(key, place)


# Invoices


INVOICE_FILTERS = [
    OpenApiParameter(
        "status", str, OpenApiParameter.QUERY, enum=InvoiceStatus.values, description="Due, paid or credited."
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Issued on or after."),
    OpenApiParameter("to", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Issued on or before."),
]


class InvoicePagination(CursorPagination):
    ordering = ("-issued_at", "-number", "-pk")


@extend_schema_view(
    list=extend_schema(
        summary="Invoices and credit notes",
        description="The invoices this organization pays, newest first; days are in the console's time "
        "zone. A partner acting for a client never sees them, and a client never sees what its partner paid. "
        "Paginated with a cursor: follow `next` until it is null (there is no count).",
        parameters=INVOICE_FILTERS,
        responses={200: serializers.InvoiceSummarySerializer(many=True), **error_responses(400, 403, 404)},
    ),
    retrieve=extend_schema(
        summary="An invoice or credit note, with its lines",
        parameters=[INVOICE_ID],
        responses={200: serializers.InvoiceSerializer, **error_responses(403, 404)},
    ),
)
@extend_schema(tags=["invoices"], parameters=[ORG_ID])
class InvoiceViewSet(FileActionsMixin, BillingScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The organization's invoices and credit notes: immutable once issued."""

    model = Invoice
    serializer_class = serializers.InvoiceSummarySerializer
    pagination_class = InvoicePagination
    file_actions = ("pdf", "export")
    # A Billing partner reads here the invoices it paid for the client; other partners are refused.
    open_to_partners = True
    permissions = {
        "list": Permission.VIEW_INVOICES,
        "retrieve": Permission.VIEW_INVOICES,
        "pdf": Permission.VIEW_INVOICES,
        "export": Permission.VIEW_INVOICES,
    }

    def scoped_queryset(self, access):
        if self.action not in ("list", "export"):
            return selectors.invoices_visible_to(access)
        query = serializers.InvoiceFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return selectors.invoices_filtered(
            access,
            date_from=filters.get("from"),
            date_to=filters.get("to"),
            status=filters.get("status", ""),
        )

    def _invoice(self, invoice_id: int) -> Invoice:
        invoice = selectors.invoice_for(self.access, invoice_id)
        if invoice is None:
            raise NotFound(_("No such invoice."))
        return invoice

    def retrieve(self, request, org_id, id):
        return Response(serializers.InvoiceSerializer(self._invoice(id)).data)

    @extend_schema(
        summary="An invoice or credit note as PDF",
        parameters=[INVOICE_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Named after the invoice number, e.g. INV2025-000042.pdf."
            ),
            **error_responses(403, 404),
        },
    )
    def pdf(self, request, org_id, id):
        from billing.pdf import render_invoice_pdf  # WeasyPrint loads slowly; only this endpoint needs it

        invoice = self._invoice(id)
        response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{invoice.display_number}.pdf"
        )
        return response

    @extend_schema(
        summary="Export the invoices and credit notes (CSV)",
        description="One row per invoice or credit note of the organization, oldest first, filtered as the "
        "list (`from`, `to`, `status`): number, type, issue day, status, the invoice a credit note corrects, "
        "net, tax and gross amounts, currency, payment day. RFC 4180, UTF-8, a header row, dates as "
        "YYYY-MM-DD. With an API token, the scope `billing:read` (an accountant's token has no other). "
        "Exports count against a per-user limit shared with the console (429 beyond it).",
        parameters=INVOICE_FILTERS,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="Streamed; `Content-Disposition` names the file, e.g. "
                "`invoices-42-2026-01-31.csv`.",
            ),
            **error_responses(400, 403, 404),
            429: OpenApiResponse(description="Too many exports within the hour: `{detail}`."),
        },
    )
    def export(self, request, org_id):
        invoices = self.get_queryset()  # the filters are checked first: a bad one is a 400 naming it
        if export_rate_limited(request):
            raise ExportRateLimited()
        filename = own_invoices_filename(self.access.organization, today=timezone.localdate())
        return csv_response(filename, own_invoices_lines(invoices))


# Wallet


@extend_schema(tags=["wallet"], parameters=[ORG_ID])
class WalletViewSet(BillingScopedMixin, viewsets.GenericViewSet):
    """The organization's prepaid balance and its ledger."""

    model = Wallet
    serializer_class = serializers.WalletSerializer
    open_to_partners = False
    permissions = {"retrieve": Permission.VIEW_BILLING, "top_up": Permission.TOP_UP_WALLET}

    @extend_schema(
        summary="The wallet: balance and latest movements",
        description=f"The balance and the latest {LATEST_ENTRIES} ledger entries, newest first. A partner "
        "acting for a client never sees the client's wallet.",
        responses={200: serializers.WalletSerializer, **error_responses(403, 404)},
    )
    def retrieve(self, request, org_id):
        wallet = selectors.wallet_for(self.access)
        entries = selectors.ledger_entries_visible_to(self.access)[:LATEST_ENTRIES]
        data = {"currency": wallet.currency, "balance": wallet.balance, "entries": entries}
        return Response(serializers.WalletSerializer(data).data)

    @extend_schema(
        summary="Top up the wallet",
        description="A simulated card payment (no card is charged). The new balance first pays the due "
        "invoices it covers, oldest first. Needs an `Idempotency-Key`.",
        parameters=[idempotency_key_parameter(required=True)],
        request=serializers.TopUpInputSerializer,
        responses={
            201: serializers.TopUpSerializer,
            **error_responses(400, 403, 404),
            409: IDEMPOTENCY_409,
        },
    )
    def top_up(self, request, org_id):
        key = self.idempotency_key(required=True)
        data = self.parse(serializers.TopUpInputSerializer)

        def perform():
            entry = services.wallet_top_up(access=self.access, amount=data["amount"])
            wallet = Wallet.objects.get(pk=entry.wallet_id)  # its balance after paying due invoices
            result = {"currency": wallet.currency, "balance": wallet.balance, "top_up": entry}
            return status.HTTP_201_CREATED, serializers.TopUpSerializer(result).data

        return self.answer_once(key, perform)


# Subscriptions: automatic renewal, cancellation, change of type, Pay now, the who-pays preview


@extend_schema(tags=["subscriptions"], parameters=[ORG_ID, PRODUCT_ID])
class SubscriptionViewSet(BillingScopedMixin, viewsets.GenericViewSet):
    """A product's period, end and automatic renewal; its cancellation and its change of type."""

    model = Product
    serializer_class = serializers.SubscriptionSerializer
    permissions = {
        "retrieve": Permission.VIEW_PRODUCTS,
        "partial_update": Permission.MANAGE_PRODUCTS,
        "cancel": Permission.MANAGE_PRODUCTS,
        "change_type": Permission.MANAGE_PRODUCTS,
    }

    def scoped_queryset(self, access):
        return products_visible_to(access).select_related("product_type")

    def _product(self, product_id: int) -> Product:
        product = self.get_queryset().filter(pk=product_id).first()
        if product is None:
            raise NotFound(_("No such product."))
        return product

    def _answer(self, product: Product) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=product.pk)).data)

    @extend_schema(
        summary="A product's subscription",
        description="Its period, the end of the period paid for, whether it renews automatically, and when "
        "it was cancelled.",
        responses={200: serializers.SubscriptionSerializer, **error_responses(403, 404)},
    )
    def retrieve(self, request, org_id, id):
        return self._answer(self._product(id))

    @extend_schema(
        summary="Turn automatic renewal on or off",
        description="The periodic renewal job renews an auto-renewing product within a day of its end, "
        "invoicing whoever pays; without automatic renewal the product ends at `expires_at`. Turning it on "
        "takes back a cancellation.",
        request=serializers.SubscriptionInputSerializer,
        responses={200: serializers.SubscriptionSerializer, **error_responses(400, 403, 404)},
    )
    def partial_update(self, request, org_id, id):
        product = self._product(id)
        data = self.parse(serializers.SubscriptionInputSerializer)
        with refusals_as_not_found_for_partners(self.access):
            services.product_auto_renew_set(
                access=self.access, product=product, auto_renew=data["auto_renew"]
            )
        return self._answer(product)

    @extend_schema(
        summary="Cancel at the end of the period",
        description="The product keeps working until `expires_at`, then ends; nothing more is invoiced. "
        "Cancelling a cancelled product changes nothing.",
        request=None,
        responses={200: serializers.SubscriptionSerializer, **error_responses(400, 403, 404)},
    )
    def cancel(self, request, org_id, id):
        product = self._product(id)
        with refusals_as_not_found_for_partners(self.access):
            services.product_cancel(access=self.access, product=product)
        return self._answer(product)

    @extend_schema(
        summary="Upgrade or downgrade to another type of the category",
        description="The new type applies at once until the product's end; the difference of the two "
        "types' prices for the time left is invoiced (and paid from the wallet when the balance covers it) "
        "or, for a cheaper type, credited with a credit note whose amount goes to the payer's wallet, both "
        "with the payer's tax. Takes an optional `Idempotency-Key`.",
        parameters=[idempotency_key_parameter(required=False)],
        request=serializers.ChangeTypeInputSerializer,
        responses={
            200: serializers.TypeChangeSerializer,
            **error_responses(400, 403, 404),
            409: IDEMPOTENCY_409,
        },
    )
    def change_type(self, request, org_id, id):
        key = self.idempotency_key(required=False)
        product = self._product(id)
        data = self.parse(serializers.ChangeTypeInputSerializer)

        def perform():
            document = services.product_change_type(
                access=self.access, product=product, product_type=data["product_type"]
            )
            if document is not None and (
                document.organization_id != self.access.organization.pk
                or not self.access.can(Permission.VIEW_BILLING)
            ):
                document = None  # the partner's invoice is not the client's to see
            answer = {"product": self.get_queryset().get(pk=product.pk), "document": document}
            return status.HTTP_200_OK, serializers.TypeChangeSerializer(answer).data

        return self.answer_once(key, perform)


@extend_schema(tags=["invoices"], parameters=[ORG_ID, INVOICE_ID])
class InvoicePaymentViewSet(BillingScopedMixin, viewsets.GenericViewSet):
    """Pay now: a due invoice from the wallet."""

    model = Invoice
    open_to_partners = False
    permissions = {"pay": Permission.VIEW_BILLING}  # the service asks for TOP_UP_WALLET too

    def scoped_queryset(self, access):
        return selectors.invoices_visible_to(access)

    @extend_schema(
        summary="Pay a due invoice now from the wallet",
        description="When the wallet's balance covers it (a 400 otherwise, nothing taken). Paying a paid "
        "invoice again answers it as it is, without a second payment; with an `Idempotency-Key`, the same "
        "answer is replayed.",
        parameters=[idempotency_key_parameter(required=False)],
        request=None,
        responses={
            200: serializers.InvoiceSummarySerializer,
            **error_responses(400, 403, 404),
            409: IDEMPOTENCY_409,
        },
    )
    def pay(self, request, org_id, id):
        key = self.idempotency_key(required=False)
        invoice = selectors.invoice_for(self.access, id)
        if invoice is None:
            raise NotFound(_("No such invoice."))

        def perform():
            paid = services.invoice_pay(access=self.access, invoice=invoice)
            return status.HTTP_200_OK, serializers.InvoiceSummarySerializer(paid).data

        return self.answer_once(key, perform)


PARTNERSHIP_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The partnership's id.")


@extend_schema(tags=["partners"], parameters=[ORG_ID, PARTNERSHIP_ID])
class WhoPaysPreviewViewSet(BillingScopedMixin, viewsets.GenericViewSet):
    """The renewals of the coming 12 months under each payment method of a partnership."""

    model = Partnership
    permissions = {"client_side": Permission.VIEW_PARTNERS, "partner_side": Permission.VIEW_MANAGED_CLIENTS}
    permission_wording = {**BILLING_PERMISSION_WORDING, **PARTNER_PERMISSION_WORDING}
    open_to_partners = False

    def _answer(self, partnership: Partnership | None) -> Response:
        if partnership is None:
            raise NotFound(_("No such partnership."))
        previews = selectors.who_pays_preview(self.access, partnership)
        return Response(serializers.PaymentChoicePreviewSerializer(previews, many=True).data)

    @extend_schema(
        summary="Who pays: the renewals under each choice (client)",
        description="Before the client changes who pays: for each payment method the partnership allows, "
        "the renewals of the client's auto-renewing products in the coming 12 months — product, date, payer, "
        "amount with tax at today's prices (the invoices the renewals will issue). When the partner would "
        "pay, its amount is null: a client never sees its partner's price.",
        responses={200: serializers.PaymentChoicePreviewSerializer(many=True), **error_responses(403, 404)},
    )
    def client_side(self, request, org_id, id):
        partnership = (
            Partnership.objects.active()
            .filter(pk=id, client=self.access.organization)
            .select_related("client")
            .first()
        )
        return self._answer(partnership)

    @extend_schema(
        summary="Who pays: the renewals under each choice (partner)",
        description="The same preview for the partner of an active partnership, with every amount, to show "
        "the client when proposing a change.",
        responses={200: serializers.PaymentChoicePreviewSerializer(many=True), **error_responses(403, 404)},
    )
    def partner_side(self, request, org_id, id):
        return self._answer(selectors.managed_partnership(self.access, id))


# Reseller Area → Managed Clients → Download


class ExportRateLimited(Throttled):
    default_detail = gettext_lazy("You have exported many files within the hour; please try again later.")


@extend_schema(tags=["reseller area"], parameters=[ORG_ID])
class ManagedClientExportViewSet(FileActionsMixin, PartnerProgramMixin, viewsets.GenericViewSet):
    """The billing history of the managed clients as a CSV file, streamed."""

    permissions = {"export": Permission.VIEW_MANAGED_CLIENTS}
    file_actions = ("export",)

    @extend_schema(
        summary="Export the billing history of your managed clients (CSV)",
        description="Partner organizations only. The file holds only what is yours to see: `invoices` you "
        "paid for the clients (one row per line item; a client that pays its own orders has no invoice "
        "here), `orders` and renewals you placed or paid, the `cashback` credited to you, or the "
        "`products` you manage. RFC 4180, UTF-8, a header row, dates as YYYY-MM-DD, amounts as plain "
        "decimals with the currency in its own column. The clients: `clients` (ids), or every managed "
        "client matching `search`, `access` and `payment_method` as the Managed Clients list filters them "
        "(all of them when none is given), resolved on the server however many there are. With an API "
        "token, the scope `partners:read`. Exports count against a per-user limit shared with the console "
        "(429 beyond it); each one is in the activity log.",
        parameters=[
            OpenApiParameter(
                "history",
                str,
                OpenApiParameter.QUERY,
                required=True,
                enum=[value for value, _label in History.CHOICES],
            ),
            OpenApiParameter(
                "period",
                str,
                OpenApiParameter.QUERY,
                description="`this_month`, `last_month`, `last_12_months` or a year (`2025`); without it, "
                "`from` and `to` are required. At most five years.",
            ),
            OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="First day."),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Last day (included)."
            ),
            OpenApiParameter(
                "clients",
                str,
                OpenApiParameter.QUERY,
                description="Comma-separated ids of managed client organizations (the ticked ones); not "
                "with the filters below. Without it and without filters, every managed client.",
            ),
            *[
                OpenApiParameter(
                    parameter.name,
                    parameter.type,
                    OpenApiParameter.QUERY,
                    enum=parameter.enum,
                    description=f"Export every client matching it, as in the Managed Clients list. "
                    f"{parameter.description or ''}".strip(),
                )
                for parameter in MANAGED_CLIENT_FILTERS
                if parameter.name != "ordering"
            ],
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="Streamed; `Content-Disposition` names the file, e.g. "
                "`invoices_2025-01-01_2025-12-31.csv`.",
            ),
            **error_responses(400, 403, 404),
            429: OpenApiResponse(description="Too many exports within the hour: `{detail}`."),
        },
    )
    def export(self, request, org_id):
        query = serializers.BillingExportInputSerializer(
            data=request.query_params, context={"access": self.access}
        )
        query.is_valid(raise_exception=True)
        if export_rate_limited(request):
            raise ExportRateLimited()
        export = query.validated_data["export"]
        services.billing_export_request(access=self.access, export=export, stream=True)
        return csv_response(export.filename, started(export_lines(export)))


EXPORT_JOB_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The export's id.")


@extend_schema(tags=["reseller area"], parameters=[ORG_ID])
class ManagedClientExportJobViewSet(FileActionsMixin, PartnerProgramMixin, viewsets.GenericViewSet):
    """A billing-history export prepared in the background, followed and downloaded by the user who asked."""

    permissions = {
        "create": Permission.VIEW_MANAGED_CLIENTS,
        "retrieve": Permission.VIEW_MANAGED_CLIENTS,
        "file": Permission.VIEW_MANAGED_CLIENTS,
    }
    file_actions = ("file",)
    serializer_class = serializers.BillingExportInputSerializer  # what OPTIONS describes for POST

    def job_or_404(self, job_id):
        job = selectors.billing_export_job_for(self.access, job_id)
        if job is None or job.status == ExportStatus.STREAMED:
            raise NotFound(_("No such export."))
        return job

    @extend_schema(
        summary="Prepare an export of your managed clients' billing history in the background",
        description="The same choices as the direct export (`history`, `period` or `from` and `to`, "
        "`clients` or the filters `search`, `access`, `payment_method`), in the JSON body. The file is "
        "written by a background worker, whatever its size; follow it at the returned export's address "
        "(`Location`) until `status` is `ready`, then download `file_url`. Counts against the export limit "
        "shared with the console; with an API token, the scope `partners:write`.",
        request=serializers.BillingExportInputSerializer,
        responses={
            202: serializers.BillingExportJobSerializer,
            **error_responses(400, 403, 404),
            429: OpenApiResponse(description="Too many exports within the hour: `{detail}`."),
        },
    )
    def create(self, request, org_id):
        query = serializers.BillingExportInputSerializer(data=request.data, context={"access": self.access})
        query.is_valid(raise_exception=True)
        if export_rate_limited(request):
            raise ExportRateLimited()
        job = services.billing_export_request(
            access=self.access, export=query.validated_data["export"], stream=False, prepare=True
        )
        job.refresh_from_db()
        data = serializers.BillingExportJobSerializer(job, context={"request": request}).data
        location = reverse("api:managed-client-export-job", kwargs={"org_id": org_id, "id": job.pk})
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(
        summary="Follow a prepared export",
        description="Only the user who asked for the export sees it (404 for anyone else).",
        parameters=[EXPORT_JOB_ID],
        responses={200: serializers.BillingExportJobSerializer, **error_responses(403, 404)},
    )
    def retrieve(self, request, org_id, id):
        job = self.job_or_404(id)
        return Response(serializers.BillingExportJobSerializer(job, context={"request": request}).data)

    @extend_schema(
        summary="Download a prepared export (CSV)",
        description="While the export is `ready`, until `expires_at`; 404 before and after.",
        parameters=[EXPORT_JOB_ID],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), **error_responses(403, 404)},
    )
    def file(self, request, org_id, id):
        job = self.job_or_404(id)
        response = prepared_export_response(job)
        if response is None:
            raise NotFound(_("This export is not available (still being prepared, or expired)."))
        return response


# Cashback payouts

PAYOUT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The payout's id.")
LATEST_PAYOUTS = 50


@extend_schema(tags=["wallet"], parameters=[ORG_ID])
class PayoutViewSet(BillingScopedMixin, viewsets.GenericViewSet):
    """A partner's cashback payouts to a bank account."""

    model = Payout
    serializer_class = serializers.PayoutSerializer
    open_to_partners = False
    permissions = {
        "summary": Permission.VIEW_BILLING,
        "retrieve": Permission.VIEW_BILLING,
        "create": Permission.REQUEST_PAYOUTS,
    }
    permission_wording = {
        **BILLING_PERMISSION_WORDING,
        Permission.REQUEST_PAYOUTS: gettext_lazy(
            "Your role (%(role)s) does not allow you to request payouts: only legal representatives and "
            "administrators of a partner may."
        ),
    }

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.access.organization.is_referenced_partner:
            raise NotFound(_("Only referenced partners receive cashback to pay out."))

    def scoped_queryset(self, access):
        return selectors.payouts_visible_to(access)

    @extend_schema(
        operation_id="v1_organizations_payouts_summary",
        summary="Cashback payouts: what can be paid out, and the latest requests",
        description=f"Referenced partners only (404 otherwise). The cashback that can be paid out now and "
        f"the latest {LATEST_PAYOUTS} requests, newest first. With an API token, the scope `billing:read`.",
        responses={200: serializers.PayoutsSerializer, **error_responses(403, 404)},
    )
    def summary(self, request, org_id):
        wallet = selectors.wallet_for(self.access)
        data = {
            "currency": wallet.currency,
            "balance": wallet.balance,
            "payable": payouts.payable_amount(wallet),
            "payouts": self.get_queryset()[:LATEST_PAYOUTS],
        }
        return Response(serializers.PayoutsSerializer(data).data)

    @extend_schema(
        summary="A payout request",
        parameters=[PAYOUT_ID],
        responses={200: serializers.PayoutSerializer, **error_responses(403, 404)},
    )
    def retrieve(self, request, org_id, id):
        payout = selectors.payout_for(self.access, id)
        if payout is None:
            raise NotFound(_("No such payout."))
        return Response(serializers.PayoutSerializer(payout).data)

    @extend_schema(
        summary="Request a cashback payout to a bank account",
        description="Legal representatives and administrators of a referenced partner. The amount (at most "
        "`payable`) leaves the wallet at once and is held until staff transfer it (`paid`) or refuse it "
        "(`refused`: the amount returns to the wallet). The IBAN is checked with its check digits. The "
        "partner's legal representatives and administrators and the staff are emailed. Needs an "
        "`Idempotency-Key`; with an API token, the scope `billing:write`.",
        parameters=[idempotency_key_parameter(required=True)],
        request=serializers.PayoutInputSerializer,
        responses={
            201: serializers.PayoutSerializer,
            **error_responses(400, 403, 404),
            409: IDEMPOTENCY_409,
        },
    )
    def create(self, request, org_id):
        key = self.idempotency_key(required=True)
        data = self.parse(serializers.PayoutInputSerializer)

        def perform():
            payout = payouts.payout_request(
                access=self.access,
                amount=data["amount"],
                iban=data["iban"],
                account_holder=data["account_holder"],
            )
            return status.HTTP_201_CREATED, serializers.PayoutSerializer(payout).data

        return self.answer_once(key, perform)


# Partner statements

STATEMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The statement's id.")


@extend_schema_view(
    list=extend_schema(
        summary="Monthly partner statements",
        description="Referenced partners only (404 otherwise), newest month first. Each month's statement "
        "is produced at the start of the next month; `POST` asks for any past month. With an API token, the "
        "scope `billing:read`.",
        responses={200: serializers.StatementSummarySerializer(many=True), **error_responses(403, 404)},
    ),
)
@extend_schema(tags=["statements"], parameters=[ORG_ID])
class StatementViewSet(FileActionsMixin, BillingScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A referenced partner's monthly statements: cashback, reseller-discount savings, invoices paid for
    clients, payouts and the wallet's balance, frozen when produced; as JSON, PDF or CSV."""

    model = PartnerStatement
    serializer_class = serializers.StatementSummarySerializer
    open_to_partners = False
    file_actions = ("pdf", "csv")
    permissions = {
        "list": Permission.VIEW_BILLING,
        "create": Permission.VIEW_BILLING,
        "retrieve": Permission.VIEW_BILLING,
        "pdf": Permission.VIEW_BILLING,
        "csv": Permission.VIEW_BILLING,
    }

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.access.organization.is_referenced_partner:
            raise NotFound(_("Only referenced partners have statements."))

    def scoped_queryset(self, access):
        return selectors.statements_visible_to(access)

    def _statement(self, statement_id) -> PartnerStatement:
        statement = selectors.statement_for(self.access, statement_id)
        if statement is None:
            raise NotFound(_("No such statement."))
        return statement

    @extend_schema(
        summary="The statement of a past month",
        description="The one produced before, or a new one (201). With an API token, the scope "
        "`billing:write`.",
        request=serializers.StatementInputSerializer,
        responses={
            200: serializers.StatementSerializer,
            201: serializers.StatementSerializer,
            **error_responses(400, 403, 404),
        },
    )
    def create(self, request, org_id):
        data = self.parse(serializers.StatementInputSerializer)
        existed = selectors.statements_visible_to(self.access).filter(month=data["month"]).exists()
        statement = statements.statement_produce(access=self.access, month=data["month"])
        return Response(
            serializers.StatementSerializer(statement).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="A statement with its figures",
        parameters=[STATEMENT_ID],
        responses={200: serializers.StatementSerializer, **error_responses(403, 404)},
    )
    def retrieve(self, request, org_id, id):
        return Response(serializers.StatementSerializer(self._statement(id)).data)

    @extend_schema(
        summary="A statement as PDF",
        parameters=[STATEMENT_ID],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Named after the month, e.g. statement-2026-01.pdf."
            ),
            **error_responses(403, 404),
        },
    )
    def pdf(self, request, org_id, id):
        statement = self._statement(id)
        response = HttpResponse(statements.render_statement_pdf(statement), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{statement.filename_stem}.pdf"
        )
        return response

    @extend_schema(
        summary="A statement as CSV",
        description="One row per figure: `section` (balance, movements, cashback, reseller_savings, invoice, "
        "payout), `day`, `client`, `product`, `product_type`, `reference`, `currency`, `amount`, `detail`.",
        parameters=[STATEMENT_ID],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), **error_responses(403, 404)},
    )
    def csv(self, request, org_id, id):
        statement = self._statement(id)
        return csv_response(f"{statement.filename_stem}.csv", statements.statement_csv_lines(statement))
