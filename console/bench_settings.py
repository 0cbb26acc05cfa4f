"""The settings of the gunicorn server of `manage.py bench`: the product's, with the URLconf that adds the
reference views (`console.bench_urls`). Never used in production."""

from console.settings import *  # noqa: F403

ROOT_URLCONF = "console.bench_urls"
