from django.urls import path

from tokens.api import views

urlpatterns = [
    path("tokens", views.ApiTokenViewSet.as_view({"get": "list", "post": "create"}), name="token-list"),
    path("tokens/<id:id>", views.ApiTokenViewSet.as_view({"delete": "destroy"}), name="token-detail"),
]
