from django.urls import path

from compliance import views

urlpatterns = [
    path("settings/activity/", views.activity_log, name="activity_log"),
]
