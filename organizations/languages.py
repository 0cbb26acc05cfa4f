"""Which language the console speaks to whom.

A request speaks the account's language when the person is signed in and has one, else the language cookie's
(the menu on the sign-in page), else the browser's Accept-Language (Django's `LocaleMiddleware`). An
organization's documents (invoices, credit notes, DPA certificates) speak its legal representative's.
"""

from django.conf import settings
from django.utils import translation

from organizations.models import Membership, Organization, Role


def supported_language(language: str | None) -> str:
    """`language` if the console speaks it, else ""."""
    return language if language in dict(settings.LANGUAGES) else ""


def organization_language(organization: Organization | None) -> str:
    """The language of an organization's documents: that of its first legal representative who chose one,
    else the console's default (English)."""
    language = ""
    if organization is not None:
        language = (
            Membership.objects.filter(organization=organization, role=Role.LEGAL_REPRESENTATIVE)
            .exclude(user__language="")
            .order_by("created_at", "pk")
            .values_list("user__language", flat=True)
            .first()
        )
    return supported_language(language) or settings.LANGUAGE_CODE


def set_language_cookie(response, language: str) -> None:
    """Remember the language in the browser, as Django's own `set_language` view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class AccountLanguageMiddleware:
    """A signed-in person reads the console in their account's language, whatever the browser asks.

    Runs after `LocaleMiddleware` (cookie, Accept-Language) and the authentication middleware. The cookie
    follows the account, so that the sign-in page still speaks that language after signing out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        language = supported_language(getattr(user, "language", "")) if user.is_authenticated else ""
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response
