"""The production settings, as the multi-server test's app servers and worker run them, but for one thing:
static files keep their plain names. Collecting and compressing them all (`collectstatic`) costs over a
minute of CPU, and nothing here is about them; tests/billing_pages/test_pdf.py covers the collected, hashed
names."""

from console.settings import *  # noqa: F403
from console.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
