from functools import partial

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from console.management.commands.seed_demo import DEMO_PASSWORD, demo_accounts
from core.row_urls import row_url_format
from organizations.access import PARTNER_ACTING_ROLES, Permission, managed_clients_of
from organizations.models import Organization

# Which sidebar entry and which secondary-menu entry each page belongs to.
NAVIGATION = {
    "dashboard": ("dashboard", ""),
    "products": ("products", ""),
    "product_detail": ("products", ""),
    "product_order": ("products", ""),
    "product_renew": ("products", ""),
    "order_done": ("products", ""),
    "invoices": ("billing", "invoices"),
    "invoice_detail": ("billing", "invoices"),
    "wallet": ("billing", "wallet"),
    "payouts": ("billing", "payouts"),
    "statements": ("billing", "statements"),
    "billing_addresses": ("billing", "billing_addresses"),
    "billing_address_add": ("billing", "billing_addresses"),
    "billing_address_edit": ("billing", "billing_addresses"),
    "billing_address_delete": ("billing", "billing_addresses"),
    "organization_settings": ("settings", "organization"),
    "organization_edit": ("settings", "organization"),
    "members": ("settings", "users"),
    "member_add": ("settings", "users"),
    "member_edit": ("settings", "users"),
    "member_remove": ("settings", "users"),
    "activity_log": ("settings", "activity"),
    "data_protection": ("settings", "data_protection"),
    "partners": ("partners", ""),
    "partner_add": ("partners", ""),
    "partner_detail": ("partners", ""),
    "partner_payment_edit": ("partners", ""),
    "partnership_stop": ("partners", ""),
    "partnership_delete": ("partners", ""),
    "partnership_answer": ("partners", ""),
    "managed_clients": ("reseller", "managed_clients"),
    "client_request": ("reseller", "managed_clients"),
    "managed_client_stop": ("reseller", "managed_clients"),
    "request_delete": ("reseller", "managed_clients"),
    "invitation_answer": ("reseller", "managed_clients"),
    "api_tokens": ("settings", "api_tokens"),
    "api_token_create": ("settings", "api_tokens"),
    "api_token_created": ("settings", "api_tokens"),
    "managed_clients_export": ("reseller", "managed_clients"),
    "billing_export_status": ("reseller", "managed_clients"),
    "managed_client_renewal": ("reseller", "managed_clients"),
    "managed_client_members": ("reseller", "managed_clients"),
    "client_handover": ("reseller", "managed_clients"),
    "teams": ("reseller", "managed_clients"),
    "team_add": ("reseller", "managed_clients"),
    "team_edit": ("reseller", "managed_clients"),
    "team_delete": ("reseller", "managed_clients"),
    "managed_clients_bulk": ("reseller", "managed_clients"),
    "managed_clients_bulk_run": ("reseller", "managed_clients"),
}


# A partner may manage thousands of clients: the switcher lists a few; Managed Clients finds the rest.
SWITCHER_MANAGED_LIMIT = 10


# The sidebar's entries, in order: (section, permission needed or None, view, icon, label).
SIDEBAR = (
    ("dashboard", None, "dashboard", "speedometer2", gettext_lazy("Dashboard")),
    ("products", Permission.VIEW_PRODUCTS, "products", "box-seam", gettext_lazy("Products")),
    ("billing", Permission.VIEW_INVOICES, "invoices", "receipt", gettext_lazy("Billing")),
    (
        "partners",
        Permission.VIEW_PARTNERS,
        "partners",
        "people",
        pgettext_lazy("the sidebar entry of the partner pages", "Partner"),
    ),
    (
        "reseller",
        Permission.VIEW_MANAGED_CLIENTS,
        "managed_clients",
        "briefcase",
        gettext_lazy("Reseller Area"),
    ),
    ("settings", Permission.VIEW_SETTINGS, "organization_settings", "gear", gettext_lazy("Settings")),
)


def _sidebar(access, nav_section: str, nav_page: str) -> list[dict]:
    """The sidebar's entries for this access, built once per page: a `{% url %}`, `{% if %}` and
    `{% translate %}` per entry in the template cost more than the whole list here."""
    org_kwargs = {"org_id": access.organization.pk}
    entries = []
    for section, permission, view, icon, label in SIDEBAR:
        if permission is not None and not access.can(permission):
            if section == "settings":
                # Without the settings, a user still reaches their own API tokens.
                entries.append(
                    {
                        "url": reverse("api_tokens", kwargs=org_kwargs),
                        "icon": "key",
                        "label": gettext("API tokens"),
                        "active": nav_page == "api_tokens",
                    }
                )
            continue
        entry = {
            "url": reverse(view, kwargs=org_kwargs),
            "icon": icon,
            "label": str(label),
            "active": nav_section == section,
        }
        if section == "reseller":
            entry["children"] = [
                {
                    "url": entry["url"],
                    "label": gettext("Managed Clients"),
                    "active": nav_page == "managed_clients",
                }
            ]
        entries.append(entry)
    return entries


def _organization_switcher(user, current_id=None) -> dict:
    """The switcher's entries: the user's own organizations, then the first clients their partners manage.

    Two queries, however many clients, read from the user's memberships and the active partnerships of their
    partner organizations: past the first few clients, a link leads to the Managed Clients page. The entry of
    the organization shown (`current_id`) is marked current, the first managed client starts their group."""
    own = list(
        Organization.objects.filter(memberships__user=user)
        .only("name", "is_referenced_partner")
        .annotate(my_role=F("memberships__role"))
        .order_by("name", "pk")
    )
    acting_partners = [organization for organization in own if organization.my_role in PARTNER_ACTING_ROLES]
    managed = managed_clients_of(
        user,
        partner_roles={organization.pk: organization.my_role for organization in acting_partners},
        limit=SWITCHER_MANAGED_LIMIT + 1,
    )
    more_url = ""
    if len(managed) > SWITCHER_MANAGED_LIMIT:
        managed = managed[:SWITCHER_MANAGED_LIMIT]
        partner = next(
            (organization for organization in acting_partners if organization.is_referenced_partner), None
        )
        more_url = reverse("managed_clients", kwargs={"org_id": partner.pk}) if partner else ""
    dashboard_url = row_url_format("dashboard", "org_id")
    entries = [
        {
            "organization": organization,
            "managed": is_managed,
            "first_managed": is_managed and index == 0,
            "current": organization.pk == current_id,
            "url": dashboard_url.format(organization.pk),
        }
        for organizations, is_managed in ((own, False), (managed, True))
        for index, organization in enumerate(organizations)
    ]
    return {"entries": entries, "more_url": more_url}


def console(request):
    """The organization being shown (set by `organization_view`), for the sidebar and the switcher; to a
    visitor in demo mode, the demo accounts, which the sign-in page lists."""
    context = {"demo_mode": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        if settings.DEMO_MODE:
            context["demo"] = {"accounts": demo_accounts(), "password": DEMO_PASSWORD}
        return context
    access = getattr(request, "access", None)
    match = getattr(request, "resolver_match", None)
    nav_section, nav_page = NAVIGATION.get(match.url_name if match else "", ("", ""))
    context.update(
        access=access,
        permissions={permission.value for permission in access.permissions} if access else set(),
        # Called only by templates that show the switcher (not the admin's).
        organization_switcher=partial(
            _organization_switcher, user, access.organization.pk if access else None
        ),
        # Called only by the layout's sidebar, which shows it when an organization is shown.
        sidebar=partial(_sidebar, access, nav_section, nav_page) if access else list,
        nav_section=nav_section,
        nav_page=nav_page,
    )
    return context
