"""Applications a token is issued for, and the resource families its read / write scopes cover.

The Manager API's families follow its URLs (organizations, members, billing, partners, products, tokens,
compliance); a product application (Newsletter, Domain, …) reaches only its own family. Every API view names
its family in `token_family`; a view that names none is refused to tokens.
"""

from django.apps import apps

MANAGER_API = "manager"
MANAGER_API_LABEL = "Manager API"

MANAGER_FAMILIES = {
    "organizations": "Organizations: your user, organizations, VAT checks",
    "members": "Members of organizations",
    "billing": "Billing: addresses, orders, renewals, invoices, wallet",
    "partners": "Partners: partnerships, invitations, managed clients",
    "products": "Products and the catalog",
    "tokens": "API tokens",
    "compliance": "Compliance: the activity log, DPA certificates",
}
ACCESS_LEVELS = ("read", "write")


def application_choices() -> list[tuple[str, str]]:
    """The Manager API, then one application per product category of the catalog."""
    category = apps.get_model("organizations", "ProductCategory")
    return [(MANAGER_API, MANAGER_API_LABEL), *category.objects.values_list("slug", "name")]


def application_label(application: str) -> str:
    return dict(application_choices()).get(application, application)


def families_of(application: str) -> dict[str, str]:
    if application == MANAGER_API:
        return MANAGER_FAMILIES
    return {application: f"{application_label(application)} API"}


def scope_choices(application: str) -> list[tuple[str, str]]:
    return [
        (f"{family}:{level}", f"{label} — {level}")
        for family, label in families_of(application).items()
        for level in ACCESS_LEVELS
    ]


def all_scopes(application: str) -> list[str]:
    return [scope for scope, _ in scope_choices(application)]
