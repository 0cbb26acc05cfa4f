"""The API's documentation page, served so that it runs under the site's Content Security Policy."""

from functools import cache

from django.template import engines
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.renderers import TemplateHTMLRenderer

# drf-spectacular's page with its inline <style> given the request's CSP nonce; everything else unchanged.
SWAGGER_PAGE = """{% extends "drf_spectacular/swagger_ui.html" %}
{% block head %}
<title>{{ title }}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{{ favicon_href }}">
<link rel="stylesheet" href="{{ swagger_ui_css }}">
<style {% csp_nonce_attr %}>
  html { box-sizing: border-box; overflow-y: scroll; }
  *, *:after, *:before { box-sizing: inherit; }
  body { background: #fafafa; margin: 0; }
</style>
{% endblock head %}
"""


@cache
def _swagger_page():
    return engines["django"].from_string(SWAGGER_PAGE)


class SwaggerPageRenderer(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        if template_names == [SwaggerView.template_name]:
            return _swagger_page()
        return super().resolve_template(template_names)


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI without inline script: the page loads its init script from `?script`, a separate URL."""

    renderer_classes = [SwaggerPageRenderer]
