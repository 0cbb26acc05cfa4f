from functools import partial

from django.conf import settings
from django.db.models import F
from django.urls import reverse

from console.management.commands.seed_demo import DEMO_PASSWORD, demo_accounts
from core.row_urls import row_url_format
from organizations.access import PARTNER_ACTING_ROLES, managed_clients_of
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
}


# A partner may manage thousands of clients: the switcher lists a few; Managed Clients finds the rest.
SWITCHER_MANAGED_LIMIT = 10


def _organization_switcher(user) -> dict:
    """The switcher's entries: the user's own organizations, then the first clients their partners manage.

    Two queries, however many clients, read from the user's memberships and the active partnerships of their
    partner organizations: past the first few clients, a link leads to the Managed Clients page."""
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
        {"organization": organization, "managed": is_managed, "url": dashboard_url.format(organization.pk)}
        for organizations, is_managed in ((own, False), (managed, True))
        for organization in organizations
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
        organization_switcher=partial(_organization_switcher, user),
        nav_section=nav_section,
        nav_page=nav_page,
    )
    return context
