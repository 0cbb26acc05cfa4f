"""What a partner's people may open in a client organization, under each kind of partnership (DESIGN: full =
administrator of the client for products, users and settings with read-only legal data, never billing,
partners or the activity log; limited = the granted products only; anything else = no access at all)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing import services as billing_services
from console.context_processors import NAVIGATION
from core.models import AuditEvent
from organizations import services as organization_services
from organizations.access import Permission, organizations_of, resolve_access
from organizations.models import Membership, ProductType, Role
from tests.factories import BillingAddressFactory, PartnershipFactory, member
from tests.partners.support import assert_in_both_logs, log_of, only_event

PAGES = (
    "dashboard",
    "products",
    "product_detail_granted",
    "product_detail_not_granted",
    "organization_settings",
    "organization_edit",
    "members",
    "member_add",
    "member_edit",
    "member_remove",
    "billing_addresses",
    "billing_address_add",
    "billing_address_edit",
    "activity_log",
    "data_protection",
    "partners",
    "partner_add",
    "invoices",
    "invoice_detail",
    "wallet",
    "payouts",
    "statements",
    "product_order",
    "product_renew_granted",
    "product_renew_not_granted",
    "api_tokens",
    "api_token_create",
)
PRODUCTS = {"dashboard", "products", "product_detail_granted", "product_detail_not_granted"}
ORDERING = {"product_order", "product_renew_granted", "product_renew_not_granted"}
USERS_AND_SETTINGS = {"organization_settings", "members", "member_add", "member_edit", "member_remove"}
# Each person's own API tokens, framed by whichever organization they are in.
OWN_TOKENS = {"api_tokens", "api_token_create"}
# The pages each partnership opens (200). Everything else is 404 to a partner, also inside a client it
# manages: what lies outside its grant is not even shown to exist (`Access.hides_refusals`), where the
# client's own members are told 403 with a reason.
OPENS = {
    "full": PRODUCTS | USERS_AND_SETTINGS | ORDERING | OWN_TOKENS,
    "limited": {"dashboard", "products", "product_detail_granted", "product_renew_granted"} | OWN_TOKENS,
    # Role grants: Technical has every product and orders, no users, no settings; Read-only sees products,
    # users and settings and changes nothing; Billing sees only the invoices the partner paid for the client.
    "technical": PRODUCTS | ORDERING | OWN_TOKENS,
    "read_only": PRODUCTS | {"organization_settings", "members"} | OWN_TOKENS,
    "billing": {"dashboard", "invoices"} | OWN_TOKENS,
}
# A role grant is told what its role does not allow (403); Limited and Full are answered "not found".
ROLE_GRANTS = ("technical", "read_only", "billing")
ACTIVE = ("full", "limited", *ROLE_GRANTS)
PARTNERSHIPS = (*ACTIVE, "stopped", "pending", "refused", "cancelled", "expired", "none")
# Every acting role of the partner gets the partnership's pages, within what the role allows; without an
# active partnership, not even its legal representative gets in.
MATRIX = [
    pytest.param(partnership, role, page, id=f"{partnership}-{role}-{page}")
    for partnership in PARTNERSHIPS
    for role in (
        (Role.LEGAL_REPRESENTATIVE, Role.ADMINISTRATOR, Role.USER)
        if partnership in ACTIVE
        else (Role.LEGAL_REPRESENTATIVE,)
    )
    for page in PAGES
]


# Nobody does more for a client than their own role allows at home: a partner's plain user may see the
# client's users and settings under Full access, but not manage the users.
MANAGING_USERS = {"member_add", "member_edit", "member_remove"}


def expected_status(partnership: str, page: str, role: str = Role.ADMINISTRATOR) -> int:
    refused = 403 if partnership in ROLE_GRANTS else 404
    if role == Role.USER and page in MANAGING_USERS:
        return refused
    if partnership == "billing" and page == "invoice_detail":
        return 404  # the client's own invoice: a Billing partner sees only the ones it paid
    return 200 if page in OPENS.get(partnership, ()) else refused


@pytest.fixture
def client_pages(client_org, client_legal, client_user, granted_product, other_product):
    address = BillingAddressFactory(organization=client_org)
    membership = Membership.objects.get(user=client_user)
    org = {"org_id": client_org.pk}
    urls = {page: reverse(page, kwargs=org) for page in PAGES if page in _PLAIN}
    urls["product_detail_granted"] = reverse(
        "product_detail", kwargs={**org, "product_id": granted_product.pk}
    )
    urls["product_detail_not_granted"] = reverse(
        "product_detail", kwargs={**org, "product_id": other_product.pk}
    )
    urls["member_edit"] = reverse("member_edit", kwargs={**org, "membership_id": membership.pk})
    urls["member_remove"] = reverse("member_remove", kwargs={**org, "membership_id": membership.pk})
    urls["billing_address_edit"] = reverse("billing_address_edit", kwargs={**org, "address_id": address.pk})
    placed = billing_services.product_order(
        access=resolve_access(client_legal, client_org),
        product_type=ProductType.objects.get(slug="web-hosting"),
        name="ordered.helvetia.example",
    )
    invoice_id = placed.invoice_lines.get().invoice_id
    urls["invoice_detail"] = reverse("invoice_detail", kwargs={**org, "invoice_id": invoice_id})
    for kind, product in (("granted", granted_product), ("not_granted", other_product)):
        urls[f"product_renew_{kind}"] = reverse("product_renew", kwargs={**org, "product_id": product.pk})
    return urls


_PLAIN = set(PAGES) - {
    "product_detail_granted",
    "product_detail_not_granted",
    "member_edit",
    "member_remove",
    "billing_address_edit",
    "invoice_detail",
    "product_renew_granted",
    "product_renew_not_granted",
}


def make_partnership(kind, client_org, partner_org, granted_product):
    if kind == "none":
        return None
    if kind == "limited":
        return PartnershipFactory(
            client=client_org, partner=partner_org, access="limited", products=[granted_product]
        )
    if kind in ROLE_GRANTS:
        payment_method = "partner" if kind == "billing" else "client"
        return PartnershipFactory(
            client=client_org, partner=partner_org, access=kind, payment_method=payment_method
        )
    status = "active" if kind == "full" else kind
    return PartnershipFactory(client=client_org, partner=partner_org, access="full", status=status)


def test_the_matrix_covers_every_console_page_of_an_organization():
    organization_pages = {
        name
        for name, (section, _page) in NAVIGATION.items()
        if section in {"dashboard", "products", "billing", "settings", "partners"}
        and name
        not in {
            "partner_detail",
            "partner_payment_edit",
            "partner_access_edit",
            "partnership_stop",
            "partnership_delete",
            "partnership_answer",
        }
    }
    variants = {"product_detail_granted", "product_detail_not_granted", "product_renew_granted"}
    covered = (set(PAGES) - variants - {"product_renew_not_granted"}) | {"product_detail", "product_renew"}
    # The confirmation of an order is only ever shown to the user who placed it (tests/billing_pages), a new
    # token only to the user who created it (tests/tokens/test_pages.py).
    assert organization_pages - covered == {"billing_address_delete", "order_done", "api_token_created"}


@pytest.mark.parametrize(("partnership", "role", "page"), MATRIX)
def test_a_partner_user_opens_exactly_the_client_pages_its_partnership_allows(
    client, client_org, partner_org, granted_product, client_pages, partnership, role, page
):
    make_partnership(partnership, client_org, partner_org, granted_product)
    client.force_login(member(partner_org, role))

    response = client.get(client_pages[page])

    assert response.status_code == expected_status(partnership, page, role)


@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_the_resolver_gives_the_design_permissions(
    client_org, partner_org, partner_user, granted_product, partnership
):
    made = make_partnership(partnership, client_org, partner_org, granted_product)

    access = resolve_access(partner_user, client_org)

    if partnership not in OPENS:
        assert access is None
        return
    P = Permission
    assert access.partnership == made
    assert access.role is None
    assert access.on_behalf_of == partner_org
    if partnership == "full":
        # partner_user has the plain user role at home: it sees the client's users but does not manage them.
        assert access.permissions == {
            P.VIEW_DASHBOARD, P.VIEW_PRODUCTS, P.MANAGE_PRODUCTS, P.ORDER_PRODUCTS, P.VIEW_SETTINGS,
            P.VIEW_MEMBERS,
        }  # fmt: skip
        administrator = resolve_access(member(partner_org, Role.ADMINISTRATOR), client_org)
        assert P.MANAGE_MEMBERS in administrator.permissions
        assert access.product_ids is None
    elif partnership == "limited":
        assert access.permissions == {P.VIEW_DASHBOARD, P.VIEW_PRODUCTS, P.MANAGE_PRODUCTS}
        assert access.product_ids == {granted_product.pk}
    else:
        # The role grants are written out in tests/organizations/test_access.py; every product, not a list.
        assert access.product_ids is None
        assert P.MANAGE_MEMBERS not in access.permissions


def test_an_external_member_of_the_partner_does_not_act_for_its_clients(
    client, client_org, partner_org, granted_product
):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    external = member(partner_org, Role.EXTERNAL)
    client.force_login(external)

    assert resolve_access(external, client_org) is None
    assert client.get(reverse("dashboard", kwargs={"org_id": client_org.pk})).status_code == 404
    assert client_org not in organizations_of(external)


def test_a_limited_partner_sees_only_the_granted_products_listed(
    client, client_org, partner_org, partner_user, granted_product, other_product
):
    PartnershipFactory(client=client_org, partner=partner_org, access="limited", products=[granted_product])
    client.force_login(partner_user)

    for page in ("dashboard", "products"):
        text = client.get(reverse(page, kwargs={"org_id": client_org.pk})).text
        assert "shop.helvetia.example" in text
        assert "mail.helvetia-group.example" not in text
        assert f"/products/{other_product.pk}/" not in text


def test_a_full_partner_reads_the_legal_data_but_is_not_offered_to_edit_it(
    client, client_org, partner_org, partner_user
):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    client.force_login(partner_user)

    response = client.get(reverse("organization_settings", kwargs={"org_id": client_org.pk}))

    assert response.status_code == 200
    assert "Helvetia Web AG" in response.text
    assert reverse("organization_edit", kwargs={"org_id": client_org.pk}) not in response.text


@pytest.mark.parametrize(("access", "label"), [("full", "Full"), ("limited", "Limited")])
def test_the_sidebar_says_the_partner_acts_on_behalf_of_its_organization(
    client, client_org, partner_org, partner_user, granted_product, access, label
):
    PartnershipFactory(client=client_org, partner=partner_org, access=access, products=[granted_product])
    client.force_login(partner_user)

    text = client.get(reverse("dashboard", kwargs={"org_id": client_org.pk})).text

    sidebar = text[text.index('id="sidebar"') :]
    assert "on behalf of Léman Digital SA" in sidebar
    assert f"Partner ({label} access)" in sidebar
    assert reverse("billing_addresses", kwargs={"org_id": client_org.pk}) not in sidebar
    assert reverse("partners", kwargs={"org_id": client_org.pk}) not in sidebar


def test_the_clients_own_people_see_no_on_behalf_of(client, client_org, partner_org, client_legal):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    client.force_login(client_legal)

    assert "on behalf of" not in client.get(reverse("dashboard", kwargs={"org_id": client_org.pk})).text


@pytest.mark.parametrize(
    ("status", "listed"),
    [("pending", False), ("active", True), ("refused", False), ("cancelled", False), ("stopped", False),
     ("expired", False)],
)  # fmt: skip
def test_the_partners_organization_switcher_lists_the_client_only_while_the_partnership_is_active(
    client, client_org, partner_org, partner_user, status, listed
):
    PartnershipFactory(client=client_org, partner=partner_org, status=status)
    client.force_login(partner_user)

    assert (client_org in organizations_of(partner_user)) is listed
    switcher = switcher_of(client.get(reverse("dashboard", kwargs={"org_id": partner_org.pk})).text)
    assert "Léman Digital SA" in switcher
    assert ("Helvetia Web AG" in switcher) is listed
    if listed:
        assert (
            switcher.index("Léman Digital SA")
            < switcher.index("Managed Clients")
            < switcher.index("Helvetia")
        )


def switcher_of(text: str) -> str:
    menu = text[text.index('<ul class="dropdown-menu shadow') :]
    return menu[: menu.index("</ul>")]


def test_a_full_partner_is_answered_404_where_the_clients_own_user_is_told_403(
    client, client_org, partner_org, partner_user, client_user
):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    edit = reverse("organization_edit", kwargs={"org_id": client_org.pk})

    client.force_login(client_user)
    assert client.get(edit).status_code == 403
    client.force_login(partner_user)
    assert client.get(edit).status_code == 404


def test_an_action_of_a_full_partner_is_logged_on_behalf_of_the_partner_in_both_logs(
    client_org, partner_org, client_legal, partner_legal, partner_admin, acting
):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")

    membership = organization_services.membership_add(
        access=acting(partner_admin, client_org), email="new.admin@helvetia.example", role=Role.ADMINISTRATOR
    )

    assert membership.organization == client_org
    event = only_event("membership.added")
    assert (event.actor, event.organization, event.on_behalf_of) == (partner_admin, client_org, partner_org)
    assert_in_both_logs(event, client_org, partner_org)


def test_the_client_sees_on_behalf_of_in_its_activity_log_page_and_the_partner_in_its_own(
    client, client_org, partner_org, client_legal, partner_legal, partner_admin
):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")
    client.force_login(partner_admin)

    response = client.post(
        reverse("member_add", kwargs={"org_id": client_org.pk}),
        {"email": "new.user@helvetia.example", "role": Role.USER},
    )

    assert response.status_code == 302
    event = only_event("membership.added")
    assert event.on_behalf_of == partner_org
    client.force_login(client_legal)
    client_log = client.get(reverse("activity_log", kwargs={"org_id": client_org.pk})).text
    assert "on behalf of Léman Digital SA" in client_log
    assert "admin@leman.example" in client_log
    client.force_login(partner_legal)
    partner_log = client.get(reverse("activity_log", kwargs={"org_id": partner_org.pk})).text
    assert "<code>membership.added</code>" in partner_log
    assert "in Helvetia Web AG" in partner_log
    assert "new.user@helvetia.example" in partner_log


def test_the_clients_own_events_stay_out_of_the_partners_log(
    client_org, partner_org, client_legal, partner_legal, acting
):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")

    organization_services.membership_add(
        access=acting(client_legal, client_org), email="private@helvetia.example", role=Role.USER
    )

    event = only_event("membership.added")
    assert event in log_of(client_org)
    assert event not in log_of(partner_org)


def test_a_full_partner_cannot_appoint_a_legal_representative_of_the_client(
    client_org, partner_org, partner_legal, acting
):
    PartnershipFactory(client=client_org, partner=partner_org, access="full")

    with pytest.raises(PermissionDenied):
        organization_services.membership_add(
            access=acting(partner_legal, client_org),
            email="boss@helvetia.example",
            role=Role.LEGAL_REPRESENTATIVE,
        )

    assert not AuditEvent.objects.exists()


def test_a_limited_partner_orders_nothing_new(
    client_org, partner_org, partner_legal, granted_product, acting
):
    PartnershipFactory(client=client_org, partner=partner_org, access="limited", products=[granted_product])

    with pytest.raises(PermissionDenied):
        organization_services.product_install(
            access=acting(partner_legal, client_org),
            product_type=ProductType.objects.get(slug="domain-ch"),
            name="new.ch",
        )

    assert not AuditEvent.objects.exists()


def test_a_user_in_two_partners_of_the_same_client_acts_through_the_widest_partnership(
    client_org, granted_product
):
    limited = PartnershipFactory(client=client_org, access="limited", products=[granted_product])
    full = PartnershipFactory(client=client_org, access="full")
    consultant = member(limited.partner, Role.USER)
    Membership.objects.create(user=consultant, organization=full.partner, role=Role.USER)

    access = resolve_access(consultant, client_org)

    assert access.partnership == full
    assert access.product_ids is None
    assert access.on_behalf_of == full.partner
