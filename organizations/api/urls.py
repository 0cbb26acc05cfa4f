from django.urls import path

from organizations.api import views

member_list = views.MemberViewSet.as_view({"get": "list", "post": "create"})
member_detail = views.MemberViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)
address_list = views.BillingAddressViewSet.as_view({"get": "list", "post": "create"})
address_detail = views.BillingAddressViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
    path("me/two-factor", views.TwoFactorStatusView.as_view(), name="me-two-factor"),
    path("me/sign-out-everywhere", views.SignOutEverywhereView.as_view(), name="me-sign-out-everywhere"),
    path("me/password-compromised", views.PasswordCompromisedView.as_view(), name="me-password-compromised"),
    path("catalog", views.CatalogView.as_view(), name="catalog"),
    path("vat/check", views.VatCheckView.as_view(), name="vat-check"),
    path("organizations", views.OrganizationListView.as_view(), name="organization-list"),
    path(
        "organizations/<id:org_id>",
        views.OrganizationViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="organization-detail",
    ),
    path("organizations/<id:org_id>/members", member_list, name="member-list"),
    path("organizations/<id:org_id>/members/<id:id>", member_detail, name="member-detail"),
    path("organizations/<id:org_id>/billing-addresses", address_list, name="billing-address-list"),
    path(
        "organizations/<id:org_id>/billing-addresses/<id:id>", address_detail, name="billing-address-detail"
    ),
    path(
        "organizations/<id:org_id>/products",
        views.ProductViewSet.as_view({"get": "list"}),
        name="product-list",
    ),
    path(
        "organizations/<id:org_id>/products/<id:id>",
        views.ProductViewSet.as_view({"get": "retrieve"}),
        name="product-detail",
    ),
]
