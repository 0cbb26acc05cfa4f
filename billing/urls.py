from django.urls import path

from billing import views

urlpatterns = [
    path("billing/invoices/", views.invoices, name="invoices"),
    path("billing/invoices/export/", views.invoices_export, name="invoices_export"),
    path("billing/invoices/<id:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("billing/invoices/<id:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("billing/invoices/<id:invoice_id>/pay/", views.invoice_pay, name="invoice_pay"),
    path("billing/wallet/", views.wallet, name="wallet"),
    path("billing/payouts/", views.payouts_page, name="payouts"),
    path("billing/statements/", views.statements_page, name="statements"),
    path("billing/statements/<id:statement_id>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("billing/statements/<id:statement_id>/csv/", views.statement_csv, name="statement_csv"),
    path("products/order/", views.product_order, name="product_order"),
    path("products/orders/<id:order_id>/", views.order_done, name="order_done"),
    path("products/<id:product_id>/renew/", views.product_renew, name="product_renew"),
    path("products/<id:product_id>/auto-renew/", views.product_auto_renew, name="product_auto_renew"),
    path("products/<id:product_id>/cancel/", views.product_cancel, name="product_cancel"),
    path("products/<id:product_id>/change-type/", views.product_change_type, name="product_change_type"),
    path(
        "reseller/clients/<id:partnership_id>/who-pays/",
        views.managed_client_who_pays,
        name="managed_client_who_pays",
    ),
    # Reseller Area → Managed Clients → Download
    path("reseller/clients/export/", views.managed_clients_export, name="managed_clients_export"),
    path("reseller/exports/<id:job_id>/", views.billing_export_status, name="billing_export_status"),
    path(
        "reseller/exports/<id:job_id>/download/",
        views.billing_export_download,
        name="billing_export_download",
    ),
]
