from django.db.models import QuerySet

from organizations.models import User
from tokens.models import ApiToken


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens: nobody else's are ever listed, revoked or shown."""
    return ApiToken.objects.filter(user=user)
