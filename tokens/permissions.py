"""What a token may reach: the view's application and resource family, read or write, within its scopes.

Every API view names `token_family` (and `token_application` when it is not the Manager API); a view
without one is refused to tokens. Views marked `tokens_only` (a product's API) refuse browser sessions.
Within what the token allows, the access resolver still decides as for the token's user.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from tokens.models import ApiToken
from tokens.scopes import MANAGER_API, application_label


def request_token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class TokenScopePermission(permissions.BasePermission):
    def has_permission(self, request, view):
        token = request_token(request)
        application = getattr(view, "token_application", MANAGER_API)
        if token is None:
            if getattr(view, "tokens_only", False) and request.user.is_authenticated:
                raise exceptions.PermissionDenied(
                    _(
                        "The %(application)s API is used with an API token of the %(application)s "
                        "application: `Authorization: Bearer <token>`."
                    )
                    % {"application": application_label(application)}
                )
            return True
        family = getattr(view, "token_family", None)
        if family is None:
            raise exceptions.PermissionDenied(_("This endpoint cannot be used with an API token."))
        if token.application != application:
            raise exceptions.PermissionDenied(
                _(
                    "This token is for the %(token_application)s application; this endpoint belongs to the "
                    "%(application)s application."
                )
                % {
                    "token_application": token.application_label,
                    "application": application_label(application),
                }
            )
        level = "read" if request.method in permissions.SAFE_METHODS else "write"
        if not token.allows(family, level):
            raise exceptions.PermissionDenied(
                _("This token does not have the scope `%(scope)s`.") % {"scope": f"{family}:{level}"}
            )
        return True
