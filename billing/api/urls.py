from django.urls import path

from billing.api import views

urlpatterns = [
    path(
        "organizations/<id:org_id>/orders",
        views.OrderViewSet.as_view({"get": "list", "post": "create"}),
        name="order-list",
    ),
    path(
        "organizations/<id:org_id>/products/<id:id>/renew",
        views.OrderViewSet.as_view({"post": "renew"}),
        name="product-renew",
    ),
    path(
        "organizations/<id:org_id>/products/<id:id>/subscription",
        views.SubscriptionViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="product-subscription",
    ),
    path(
        "organizations/<id:org_id>/products/<id:id>/cancel",
        views.SubscriptionViewSet.as_view({"post": "cancel"}),
        name="product-cancel",
    ),
    path(
        "organizations/<id:org_id>/products/<id:id>/change-type",
        views.SubscriptionViewSet.as_view({"post": "change_type"}),
        name="product-change-type",
    ),
    path(
        "organizations/<id:org_id>/invoices/<id:id>/pay",
        views.InvoicePaymentViewSet.as_view({"post": "pay"}),
        name="invoice-pay",
    ),
    path(
        "organizations/<id:org_id>/partnerships/<id:id>/who-pays-preview",
        views.WhoPaysPreviewViewSet.as_view({"get": "client_side"}),
        name="partnership-who-pays-preview",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/<id:id>/who-pays-preview",
        views.WhoPaysPreviewViewSet.as_view({"get": "partner_side"}),
        name="managed-client-who-pays-preview",
    ),
    path(
        "organizations/<id:org_id>/invoices",
        views.InvoiceViewSet.as_view({"get": "list"}),
        name="invoice-list",
    ),
    path(
        "organizations/<id:org_id>/invoices/export",
        views.InvoiceViewSet.as_view({"get": "export"}),
        name="invoice-export",
    ),
    path(
        "organizations/<id:org_id>/invoices/<id:id>",
        views.InvoiceViewSet.as_view({"get": "retrieve"}),
        name="invoice-detail",
    ),
    path(
        "organizations/<id:org_id>/invoices/<id:id>/pdf",
        views.InvoiceViewSet.as_view({"get": "pdf"}),
        name="invoice-pdf",
    ),
    path("organizations/<id:org_id>/wallet", views.WalletViewSet.as_view({"get": "retrieve"}), name="wallet"),
    path(
        "organizations/<id:org_id>/wallet/top-up",
        views.WalletViewSet.as_view({"post": "top_up"}),
        name="wallet-top-up",
    ),
    path(
        "organizations/<id:org_id>/payouts",
        views.PayoutViewSet.as_view({"get": "summary", "post": "create"}),
        name="payout-list",
    ),
    path(
        "organizations/<id:org_id>/payouts/<id:id>",
        views.PayoutViewSet.as_view({"get": "retrieve"}),
        name="payout-detail",
    ),
    path(
        "organizations/<id:org_id>/statements",
        views.StatementViewSet.as_view({"get": "list", "post": "create"}),
        name="statement-list",
    ),
    path(
        "organizations/<id:org_id>/statements/<id:id>",
        views.StatementViewSet.as_view({"get": "retrieve"}),
        name="statement-detail",
    ),
    path(
        "organizations/<id:org_id>/statements/<id:id>/pdf",
        views.StatementViewSet.as_view({"get": "pdf"}),
        name="statement-pdf",
    ),
    path(
        "organizations/<id:org_id>/statements/<id:id>/csv",
        views.StatementViewSet.as_view({"get": "csv"}),
        name="statement-csv",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/export",
        views.ManagedClientExportViewSet.as_view({"get": "export"}),
        name="managed-client-export",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/exports",
        views.ManagedClientExportJobViewSet.as_view({"post": "create"}),
        name="managed-client-export-jobs",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/exports/<id:id>",
        views.ManagedClientExportJobViewSet.as_view({"get": "retrieve"}),
        name="managed-client-export-job",
    ),
    path(
        "organizations/<id:org_id>/managed-clients/exports/<id:id>/file",
        views.ManagedClientExportJobViewSet.as_view({"get": "file"}),
        name="managed-client-export-file",
    ),
]
