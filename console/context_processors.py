from functools import partial

from django.conf import settings

from organizations.access import organizations_of

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
    "partners": ("partners", ""),
    "partner_add": ("partners", ""),
    "partner_detail": ("partners", ""),
    "partner_payment_edit": ("partners", ""),
    "partnership_stop": ("partners", ""),
    "partnership_answer": ("partners", ""),
    "managed_clients": ("reseller", "managed_clients"),
    "client_request": ("reseller", "managed_clients"),
    "managed_client_stop": ("reseller", "managed_clients"),
    "invitation_answer": ("reseller", "managed_clients"),
    "managed_clients_export": ("reseller", "managed_clients"),
    "billing_export_status": ("reseller", "managed_clients"),
}


def _switchable(user) -> list[dict]:
    """The switcher's entries: the user's own organizations, then the clients their partners manage."""
    own_ids = set(user.memberships.values_list("organization_id", flat=True))
    entries = [
        {"organization": organization, "managed": organization.pk not in own_ids}
        for organization in organizations_of(user)
    ]
    return sorted(entries, key=lambda entry: entry["managed"])


def console(request):
    """The organization being shown (set by `organization_view`), for the sidebar and the switcher."""
    context = {"demo_mode": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    access = getattr(request, "access", None)
    match = getattr(request, "resolver_match", None)
    nav_section, nav_page = NAVIGATION.get(match.url_name if match else "", ("", ""))
    context.update(
        access=access,
        permissions={permission.value for permission in access.permissions} if access else set(),
        # Called only by templates that show the switcher (not the admin's).
        switchable_organizations=partial(_switchable, user),
        nav_section=nav_section,
        nav_page=nav_page,
    )
    return context
