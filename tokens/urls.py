from django.urls import path

from tokens import views

urlpatterns = [
    path("settings/api-tokens/", views.api_tokens, name="api_tokens"),
    path("settings/api-tokens/create/", views.api_token_create, name="api_token_create"),
    path("settings/api-tokens/created/", views.api_token_created, name="api_token_created"),
    path("settings/api-tokens/revoke/", views.api_tokens_revoke, name="api_tokens_revoke"),
]
