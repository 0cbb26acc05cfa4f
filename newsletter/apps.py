from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = gettext_lazy("Newsletter")
