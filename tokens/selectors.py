from django.db.models import OuterRef, QuerySet, Subquery

from organizations.models import ProductCategory, User
from tokens.models import ApiToken


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens (nobody else's are ever listed, revoked or shown), each with the name of its
    product application read in the same query."""
    category_name = ProductCategory.objects.filter(slug=OuterRef("application")).values("name")[:1]
    return ApiToken.objects.filter(user=user).annotate(application_name=Subquery(category_name))
