"""`manage.py seed_demo`: demo organizations, members, billing addresses and products.

Everything is built through the services, so the audit log holds real events. Running it again creates
nothing new: each object is looked up first and only what is missing is created (a demo member whose role
was changed in the console gets the demo role back, and every demo account gets the demo password back).
"""

from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.access import resolve_access
from organizations.models import EntityType, Membership, Organization, Product, ProductType, Role, User
from organizations.services import (
    billing_address_create,
    membership_add,
    membership_change_role,
    organization_create,
    product_install,
)
from partners.models import Partnership
from partners.services import partner_profile_save, partnership_accept, partnership_invite

DEMO_PASSWORD = "manager-demo-2026"
ADMIN_EMAIL = "admin@manager.example"


@dataclass(frozen=True)
class DemoMember:
    email: str
    full_name: str
    role: str = Role.LEGAL_REPRESENTATIVE
    # Names of the organization's products an external member may manage.
    products: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    entity_type: str
    country: str
    vat_number: str
    legal_representative: DemoMember
    billing_address: dict
    # (product type slug, product name)
    products: tuple[tuple[str, str], ...]
    members: tuple[DemoMember, ...] = ()
    is_referenced_partner: bool = False


ORGANIZATIONS = [
    DemoOrganization(
        name="Helvetia Web AG",
        entity_type=EntityType.COMPANY,
        country="CH",
        vat_number="CHE-116.281.710 MWST",
        legal_representative=DemoMember("anna@helvetia.example", "Anna Keller"),
        members=(
            DemoMember("bruno@helvetia.example", "Bruno Meier", Role.ADMINISTRATOR),
            DemoMember("carla@helvetia.example", "Carla Rossi", Role.USER),
            DemoMember(
                "dario@helvetia.example",
                "Dario Bernasconi",
                Role.EXTERNAL,
                products=("shop.helvetia-web.ch",),
            ),
        ),
        billing_address={
            "name": "Helvetia Web AG",
            "street": "Bahnhofstrasse 10",
            "postal_code": "8001",
            "city": "Zürich",
            "country": "CH",
            "email": "billing@helvetia.example",
            "vat_number": "CHE-116.281.710 MWST",
        },
        products=(
            ("web-hosting", "helvetia-web.ch"),
            ("web-hosting", "shop.helvetia-web.ch"),
            ("domain-ch", "helvetia-web.ch"),
            ("mail-service", "helvetia-web.ch"),
            ("kdrive-team", "Helvetia Team Drive"),
        ),
    ),
    DemoOrganization(
        name="Rheinmedia GmbH",
        entity_type=EntityType.COMPANY,
        country="DE",
        vat_number="DE136695976",
        legal_representative=DemoMember("erik@rheinmedia.example", "Erik Schmidt"),
        billing_address={
            "name": "Rheinmedia GmbH",
            "street": "Rheinauhafen 5",
            "postal_code": "50678",
            "city": "Köln",
            "country": "DE",
            "email": "buchhaltung@rheinmedia.example",
            "vat_number": "DE136695976",
        },
        products=(
            ("web-hosting", "rheinmedia.de"),
            ("domain-com", "rheinmedia.com"),
            ("newsletter", "Rheinmedia News"),
        ),
    ),
    DemoOrganization(
        name="Camille Martin",
        entity_type=EntityType.INDIVIDUAL,
        country="FR",
        vat_number="",
        legal_representative=DemoMember("camille@martin.example", "Camille Martin"),
        billing_address={
            "name": "Camille Martin",
            "street": "12 rue de la République",
            "postal_code": "69002",
            "city": "Lyon",
            "country": "FR",
        },
        products=(
            ("web-hosting-starter", "camille-martin.eu"),
            ("domain-eu", "camille-martin.eu"),
            ("kdrive-solo", "Camille's Drive"),
        ),
    ),
    DemoOrganization(
        name="Pixel Partners Sàrl",
        entity_type=EntityType.COMPANY,
        country="CH",
        # CHE-105.805.080 has a wrong check digit; CHE-105.805.081 is a valid Swiss number.
        vat_number="CHE-105.805.081 MWST",
        legal_representative=DemoMember("paul@pixelpartners.example", "Paul Favre"),
        members=(DemoMember("petra@pixelpartners.example", "Petra Novak", Role.ADMINISTRATOR),),
        billing_address={
            "name": "Pixel Partners Sàrl",
            "street": "Rue du Rhône 42",
            "postal_code": "1204",
            "city": "Genève",
            "country": "CH",
            "email": "compta@pixelpartners.example",
            "vat_number": "CHE-105.805.081 MWST",
        },
        products=(
            ("cloud-server", "pixel-cloud-01"),
            ("domain-ch", "pixelpartners.ch"),
            ("mail-service-premium", "pixelpartners.ch"),
            ("ssl-dv", "pixelpartners.ch"),
        ),
        is_referenced_partner=True,
    ),
]


ROLE_DESCRIPTIONS = {
    Role.LEGAL_REPRESENTATIVE: gettext_lazy("Legal representative of %(organization)s"),
    Role.ADMINISTRATOR: gettext_lazy("Administrator of %(organization)s"),
    Role.USER: gettext_lazy("User of %(organization)s"),
    Role.EXTERNAL: gettext_lazy("External user of %(organization)s (only %(products)s)"),
}


def _role_description(member: DemoMember, organization: DemoOrganization) -> str:
    description = ROLE_DESCRIPTIONS[member.role] % {
        "organization": organization.name,
        "products": ", ".join(member.products),
    }
    if organization.is_referenced_partner:
        description = _("%(description)s (referenced partner)") % {"description": description}
    return description


def demo_accounts() -> list[dict]:
    """Every demo account and who it is, in the active language: the sign-in page lists them, and all of them
    sign in with DEMO_PASSWORD."""
    return [
        {"email": member.email, "role_description": _role_description(member, organization)}
        for organization in ORGANIZATIONS
        for member in (organization.legal_representative, *organization.members)
    ] + [{"email": ADMIN_EMAIL, "role_description": _("Staff superuser (Django admin at /admin/)")}]


# The accounts as the command's summary prints them, in English.
with translation.override("en"):
    DEMO_ACCOUNTS = demo_accounts()


class Command(BaseCommand):
    help = "Create the demo organizations and accounts (idempotent: running it again creates nothing new)."

    def handle(self, *args, **options):
        self.created = 0
        with transaction.atomic():
            for spec in ORGANIZATIONS:
                self._seed_organization(spec)
            self._seed_admin()
            self._seed_partnerships()
        if self.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data ready: {self.created} objects created."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already present: nothing to create."))
        self._print_accounts()

    def _seed_partnerships(self) -> None:
        """Helvetia Web AG gave Pixel Partners full access; Rheinmedia's invitation is still pending."""
        partner = Organization.objects.get(name="Pixel Partners Sàrl", is_referenced_partner=True)
        for client_name, representative_email, access_level, accept in [
            ("Helvetia Web AG", "anna@helvetia.example", "full", True),
            ("Rheinmedia GmbH", "erik@rheinmedia.example", "limited", False),
        ]:
            client = Organization.objects.get(name=client_name)
            if Partnership.objects.filter(client=client, partner=partner).exists():
                continue
            client_access = resolve_access(User.objects.get(email=representative_email), client)
            partnership = partnership_invite(
                access=client_access,
                partner=partner,
                access_level=access_level,
                products=list(client.products.all()[:2]) if access_level == "limited" else [],
                password_confirmed=True,  # demo data, written by whoever runs the command
            )
            self.created += 1
            if accept:
                partner_access = resolve_access(User.objects.get(email="paul@pixelpartners.example"), partner)
                partnership_accept(access=partner_access, partnership=partnership)

    def _demo_user(self, member: DemoMember) -> User:
        """The demo account, created when missing, with its name and the demo password."""
        user = User.objects.filter(email__iexact=member.email).first()
        if user is None:
            self.created += 1
            return User.objects.create_user(
                email=member.email, password=DEMO_PASSWORD, full_name=member.full_name
            )
        changed = []
        if user.full_name != member.full_name:
            user.full_name = member.full_name
            changed.append("full_name")
        if not user.is_active:
            user.is_active = True
            changed.append("is_active")
        # Accounts invited by membership_add have no usable password yet.
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        return user

    def _seed_organization(self, spec: DemoOrganization) -> None:
        representative = self._demo_user(spec.legal_representative)
        organization = (
            Organization.objects.filter(
                name=spec.name,
                memberships__user=representative,
                memberships__role=Role.LEGAL_REPRESENTATIVE,
            )
            .order_by("pk")
            .first()
        )
        if organization is None:
            organization = organization_create(
                by=representative,
                name=spec.name,
                entity_type=spec.entity_type,
                country=spec.country,
                vat_number=spec.vat_number,
                accept_terms=True,
            )
            self.created += 1
        if spec.is_referenced_partner and not hasattr(organization, "partner_profile"):
            partner_profile_save(
                organization=organization,
                by=None,
                public_name=organization.name,
                contact_email=spec.legal_representative.email,
                description="Web agency in Geneva: sites, shops and mail for small businesses.",
            )
            self.created += 1
        access = resolve_access(representative, organization)

        if not organization.billing_addresses.exists():
            billing_address_create(access=access, data=spec.billing_address, is_default=True)
            self.created += 1

        products = {}
        for slug, name in spec.products:
            product = Product.objects.filter(
                organization=organization, product_type__slug=slug, name=name
            ).first()
            if product is None:
                product = product_install(
                    access=access, product_type=ProductType.objects.get(slug=slug), name=name
                )
                self.created += 1
            products.setdefault(name, product)

        for member in spec.members:
            granted = [products[name] for name in member.products]
            membership = Membership.objects.filter(
                user__email__iexact=member.email, organization=organization
            ).first()
            if membership is None:
                membership_add(access=access, email=member.email, role=member.role, products=granted)
                self.created += 1
            elif membership.role != member.role or set(membership.products.all()) != set(granted):
                membership_change_role(
                    access=access, membership=membership, role=member.role, products=granted
                )
            self._demo_user(member)

    def _seed_admin(self) -> None:
        admin = User.objects.filter(email__iexact=ADMIN_EMAIL).first()
        if admin is None:
            User.objects.create_superuser(
                email=ADMIN_EMAIL, password=DEMO_PASSWORD, full_name="Manager Staff"
            )
            self.created += 1
            return
        if not (admin.is_staff and admin.is_superuser and admin.is_active) or not admin.check_password(
            DEMO_PASSWORD
        ):
            admin.is_staff = admin.is_superuser = admin.is_active = True
            admin.set_password(DEMO_PASSWORD)
            admin.save(update_fields=["is_staff", "is_superuser", "is_active", "password"])

    def _print_accounts(self) -> None:
        rows = [("Email", "Role")] + [
            (account["email"], account["role_description"]) for account in DEMO_ACCOUNTS
        ]
        width = max(len(email) for email, _ in rows)
        rule = "-" * (width + 2 + max(len(role) for _, role in rows))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        self.stdout.write(rule)
        for index, (email, role) in enumerate(rows):
            self.stdout.write(f"{email.ljust(width)}  {role}")
            if index == 0:
                self.stdout.write(rule)
        self.stdout.write(rule)
