from django.urls import path

from newsletter.api import views

lists = "newsletter/products/<id:product_id>/lists"

urlpatterns = [
    path("newsletter/products", views.NewsletterProductListView.as_view(), name="newsletter-product-list"),
    path(
        lists, views.MailingListViewSet.as_view({"get": "list", "post": "create"}), name="mailing-list-list"
    ),
    path(
        f"{lists}/<id:id>",
        views.MailingListViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="mailing-list-detail",
    ),
    path(
        f"{lists}/<id:list_id>/subscribers",
        views.SubscriberViewSet.as_view({"get": "list", "post": "create"}),
        name="subscriber-list",
    ),
    path(
        f"{lists}/<id:list_id>/subscribers/<id:id>",
        views.SubscriberViewSet.as_view({"delete": "destroy"}),
        name="subscriber-detail",
    ),
]
