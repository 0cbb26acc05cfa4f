"""Applications a token is issued for, and the resource families its read / write scopes cover.

The Manager API's families follow its URLs (organizations, members, billing, partners, products, tokens,
compliance); a product application (Newsletter, Domain, …) reaches only its own family. Every API view names
its family in `token_family`; a view that names none is refused to tokens.
"""

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MANAGER_API = "manager"
MANAGER_API_LABEL = gettext_lazy("Manager API")

MANAGER_FAMILIES = {
    "organizations": gettext_lazy("Organizations: your user, organizations, VAT checks"),
    "members": gettext_lazy("Members of organizations"),
    "billing": gettext_lazy("Billing: addresses, orders, renewals, invoices, wallet"),
    "partners": gettext_lazy("Partners: partnerships, invitations, managed clients"),
    "products": gettext_lazy("Products and the catalog"),
    "tokens": gettext_lazy("API tokens"),
    "compliance": gettext_lazy("Compliance: the activity log, DPA certificates"),
}
ACCESS_LEVELS = ("read", "write")
# A role that reaches only part of the API gives its tokens only the scopes it can use: an accountant reads
# invoices, credit notes and the wallet, nothing else (the resolver refuses the rest anyway).
ROLE_SCOPES = {"accountant": frozenset({"billing:read"})}


def application_choices() -> list[tuple[str, str]]:
    """The Manager API, then one application per product category of the catalog."""
    category = apps.get_model("organizations", "ProductCategory")
    return [(MANAGER_API, MANAGER_API_LABEL), *category.objects.values_list("slug", "name")]


def application_label(application: str) -> str:
    return dict(application_choices()).get(application, application)


def families_of(application: str) -> dict[str, str]:
    if application == MANAGER_API:
        return MANAGER_FAMILIES
    return {application: _("%(application)s API") % {"application": application_label(application)}}


def scope_choices(application: str) -> list[tuple[str, str]]:
    return [
        (f"{family}:{level}", f"{label} — {level}")
        for family, label in families_of(application).items()
        for level in ACCESS_LEVELS
    ]


def all_scopes(application: str) -> list[str]:
    return [scope for scope, _ in scope_choices(application)]


def scopes_allowed_to(user) -> frozenset[str] | None:
    """The Manager API scopes `user` may give a token, or None for all of them (and every application).

    Limited only when every one of the user's memberships is in a role of `ROLE_SCOPES`: a person who is an
    accountant in one organization and an administrator in another keeps every scope, and each organization's
    resolver still decides what each call may do."""
    membership = apps.get_model("organizations", "Membership")
    roles = set(membership.objects.filter(user=user).values_list("role", flat=True))
    if not roles or not roles <= ROLE_SCOPES.keys():
        return None
    return frozenset().union(*(ROLE_SCOPES[role] for role in roles))
