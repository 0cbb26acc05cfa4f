from django.urls import path

from organizations import views

urlpatterns = [
    path("products/", views.products, name="products"),
    path("products/<id:product_id>/", views.product_detail, name="product_detail"),
    path("settings/organization/", views.organization_settings, name="organization_settings"),
    path("settings/organization/edit/", views.organization_edit, name="organization_edit"),
    path("settings/organization/two-factor/", views.organization_two_factor, name="organization_two_factor"),
    path("settings/users/", views.members, name="members"),
    path("settings/users/add/", views.member_add, name="member_add"),
    path("settings/users/<id:membership_id>/edit/", views.member_edit, name="member_edit"),
    path("settings/users/<id:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("billing/addresses/", views.billing_addresses, name="billing_addresses"),
    path("billing/addresses/add/", views.billing_address_add, name="billing_address_add"),
    path("billing/addresses/<id:address_id>/edit/", views.billing_address_edit, name="billing_address_edit"),
    path(
        "billing/addresses/<id:address_id>/delete/",
        views.billing_address_delete,
        name="billing_address_delete",
    ),
]
