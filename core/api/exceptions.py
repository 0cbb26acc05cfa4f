"""Errors raised by services, answered in DRF's shapes.

Services raise Django's `ValidationError` (with field names) and `PermissionDenied`; the API answers them with
400 `{field: [messages]}` and 403 `{"detail": message}`, as DRF does for its own exceptions. A transition the
object's state refuses (`InvalidTransition`) is 409 `{"detail": message}`. It is the project's
`REST_FRAMEWORK["EXCEPTION_HANDLER"]`; the API views also use it through `DjangoErrorsMixin`.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import InvalidTransition


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The current state of this object does not allow this.")
    default_code = "conflict"


def api_exception_from_django(exc: Exception) -> Exception:
    """The DRF exception for a Django `ValidationError` or `PermissionDenied`; other exceptions unchanged."""
    if isinstance(exc, InvalidTransition):
        return Conflict(" ".join(exc.messages))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def exception_handler(exc, context):
    return drf_exception_handler(api_exception_from_django(exc), context)


class DjangoErrorsMixin:
    """API views answer the services' Django exceptions with `exception_handler`, whatever the settings."""

    def get_exception_handler(self):
        return exception_handler


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI: the errors an endpoint answers with, in the shapes above."""
    descriptions = {
        400: "Invalid input: `{field: [messages]}`, or `non_field_errors` for a rule on the whole request.",
        403: "Your role does not allow this, or the API token lacks the scope: `{detail}`.",
        404: "No such object among those you can reach: `{detail}`.",
        409: "The object's current state does not allow this (e.g. no longer pending): `{detail}`.",
    }
    return {code: OpenApiResponse(description=descriptions[code]) for code in codes}


def page_not_found(request, exception):
    """The project's `handler404`: under /api/ a path that names no endpoint (or an id that cannot be one)
    is answered in JSON as DRF answers a missing object; elsewhere, the console's page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """The project's `handler500`: under /api/ a JSON `{detail}`, the shape a script reads; elsewhere the
    console's page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.APIException.default_detail)}, status=500)
    return defaults.server_error(request)
