from django.urls import path

from billing import views

urlpatterns = [
    path("billing/invoices/", views.invoices, name="invoices"),
    path("billing/invoices/export/", views.invoices_export, name="invoices_export"),
    path("billing/invoices/<id:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("billing/invoices/<id:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("billing/wallet/", views.wallet, name="wallet"),
    path("products/order/", views.product_order, name="product_order"),
    path("products/orders/<id:order_id>/", views.order_done, name="order_done"),
    path("products/<id:product_id>/renew/", views.product_renew, name="product_renew"),
    # Reseller Area → Managed Clients → Download
    path("reseller/clients/export/", views.managed_clients_export, name="managed_clients_export"),
    path("reseller/exports/<id:job_id>/", views.billing_export_status, name="billing_export_status"),
    path(
        "reseller/exports/<id:job_id>/download/",
        views.billing_export_download,
        name="billing_export_download",
    ),
]
