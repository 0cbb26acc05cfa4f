"""`manage.py seed_demo`: demo organizations, members, billing addresses and products, with a year of history.

Everything is built through the services, so the audit log holds real events. On an empty database the demo
starts thirteen months ago on a demo clock (`demo_clock`): the organizations sign up, top up their wallets,
Helvetia Web AG takes Pixel Partners as Full partner, products are ordered month after month (some by the
partner for its client), renewed by hand or by the nightly renewals, so charts, invoices, wallets, cashback
and exports show something on the first visit. The dates are counted from today, everything else is fixed.

Running it again creates nothing new: each object is looked up first and only what is missing is created (a
demo member whose role was changed in the console gets the demo role back, and every demo account gets the
demo password back); the history is written only with the organizations.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.services import product_order, product_renew, renewals_run, wallet_top_up
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
            DemoMember("lea@helvetia.example", "Lea Brunner", Role.ACCOUNTANT),
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


# The history, in days after its first one (thirteen months ago): who tops up a wallet, who orders or renews
# which product. "partner" is Pixel Partners' administrator acting for its client.
HISTORY_DAYS = 395
PARTNER_ADMIN_EMAIL = "petra@pixelpartners.example"
TOP_UPS = [  # (day, organization, amount in its currency)
    (4, "Helvetia Web AG", "150.00"),
    (4, "Rheinmedia GmbH", "120.00"),
    (4, "Camille Martin", "80.00"),
    (4, "Pixel Partners Sàrl", "500.00"),
    (190, "Helvetia Web AG", "250.00"),
    (260, "Camille Martin", "40.00"),
]
ORDERS = [  # (day, organization, product name, who orders: "client" or "partner")
    # A name listed twice in an organization's products is ordered in the order of the list.
    (5, "Helvetia Web AG", "helvetia-web.ch", "client"),
    (6, "Helvetia Web AG", "helvetia-web.ch", "client"),
    (12, "Pixel Partners Sàrl", "pixelpartners.ch", "client"),
    (20, "Camille Martin", "camille-martin.eu", "client"),
    (48, "Rheinmedia GmbH", "rheinmedia.de", "client"),
    (55, "Rheinmedia GmbH", "rheinmedia.com", "client"),
    (75, "Pixel Partners Sàrl", "pixel-cloud-01", "client"),
    (96, "Helvetia Web AG", "shop.helvetia-web.ch", "partner"),
    (130, "Camille Martin", "Camille's Drive", "client"),
    (158, "Helvetia Web AG", "Helvetia Team Drive", "partner"),
    (185, "Pixel Partners Sàrl", "pixelpartners.ch", "client"),
    (214, "Rheinmedia GmbH", "Rheinmedia News", "client"),
    (246, "Helvetia Web AG", "helvetia-web.ch", "partner"),
    (275, "Pixel Partners Sàrl", "pixelpartners.ch", "client"),
    (305, "Camille Martin", "camille-martin.eu", "client"),
]
RENEWALS = [  # (day, organization, product name, who renews) before the period ends: one more year
    (230, "Camille Martin", "camille-martin.eu", "client"),
    (338, "Helvetia Web AG", "shop.helvetia-web.ch", "partner"),
]


@contextmanager
def demo_clock(start: datetime) -> Iterator[Callable[[datetime], None]]:
    """Let the services write as if it were another time: `timezone.now()` and the model fields that default
    to it read the demo clock, which the caller moves forward with the function it is given."""
    real_now = timezone.now
    moment = [start]
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is real_now
    ]

    def demo_now() -> datetime:
        return moment[0]

    def set_default(default) -> None:
        for field in fields:
            field.default = default
            field.__dict__.pop("_get_default", None)  # Django caches the default's callable

    def move_to(when: datetime) -> None:
        moment[0] = max(moment[0], when)

    timezone.now = demo_now
    set_default(demo_now)
    try:
        yield move_to
    finally:
        timezone.now = real_now
        set_default(real_now)


class History:
    """The year's top-ups, orders and renewals, through the services, as the people of the demo did them."""

    def __init__(self):
        self.partner_admin = User.objects.get(email=PARTNER_ADMIN_EMAIL)
        self.specs = {spec.name: spec for spec in ORGANIZATIONS}
        self.ordered: set[tuple[str, str, str]] = set()

    def access(self, name: str, who: str = "client"):
        organization = Organization.objects.get(name=name)
        user = (
            self.partner_admin
            if who == "partner"
            else User.objects.get(email=self.specs[name].legal_representative.email)
        )
        return resolve_access(user, organization)

    def top_up(self, name: str, amount: str) -> None:
        wallet_top_up(access=self.access(name), amount=amount)

    def order(self, name: str, product_name: str, who: str) -> None:
        slug = next(
            slug
            for slug, listed in self.specs[name].products
            if listed == product_name and (name, slug, listed) not in self.ordered
        )
        self.ordered.add((name, slug, product_name))
        product_order(
            access=self.access(name, who), product_type=ProductType.objects.get(slug=slug), name=product_name
        )

    def renew(self, name: str, product_name: str, who: str) -> None:
        access = self.access(name, who)
        product_renew(
            access=access, product=Product.objects.get(organization=access.organization, name=product_name)
        )


ROLE_DESCRIPTIONS = {
    Role.LEGAL_REPRESENTATIVE: gettext_lazy("Legal representative of %(organization)s"),
    Role.ADMINISTRATOR: gettext_lazy("Administrator of %(organization)s"),
    Role.USER: gettext_lazy("User of %(organization)s"),
    Role.ACCOUNTANT: gettext_lazy("Accountant of %(organization)s"),
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
        self.users: dict[str, User] = {}
        with transaction.atomic():
            if not Organization.objects.filter(name__in=[spec.name for spec in ORGANIZATIONS]).exists():
                self._seed_history()
            for spec in ORGANIZATIONS:
                self._seed_organization(spec)
            self._seed_admin()
            self._seed_partnerships()
        if self.created:
            self.stdout.write(self.style.SUCCESS(f"Demo data ready: {self.created} objects created."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already present: nothing to create."))
        self._print_accounts()

    def _seed_history(self) -> None:
        """The demo organizations as they are after a year of use, written day after day on the demo clock."""
        first_day = timezone.localdate() - timedelta(days=HISTORY_DAYS)

        def at(day: int, hour: int) -> datetime:
            return timezone.make_aware(datetime.combine(first_day + timedelta(days=day), time(hour)))

        with demo_clock(at(0, 9)) as move_to:
            for spec in ORGANIZATIONS:
                self._seed_organization(spec, with_products=False)
            move_to(at(3, 9))
            self._seed_partnerships(only_accepted=True)
            history = History()
            actions = sorted(
                [(day, 10, partial(history.top_up, name, amount)) for day, name, amount in TOP_UPS]
                + [
                    (day, 11, partial(history.order, name, product, who))
                    for day, name, product, who in ORDERS
                ]
                + [
                    (day, 12, partial(history.renew, name, product, who))
                    for day, name, product, who in RENEWALS
                ],
                key=lambda action: action[:2],
            )
            for day in range(4, HISTORY_DAYS):  # up to yesterday: tonight's renewals are the worker's
                move_to(at(day, 2))
                renewals_run()  # the nightly renewals, as the worker runs them
                for _day, hour, action in (action for action in actions if action[0] == day):
                    move_to(at(day, hour))
                    action()
            for spec in ORGANIZATIONS:
                self._seed_organization(spec)  # the members, once the products they are given exist
            self.created += len(actions)

    def _seed_partnerships(self, *, only_accepted: bool = False) -> None:
        """Helvetia Web AG gave Pixel Partners full access; Rheinmedia's invitation is still pending."""
        partner = Organization.objects.get(name="Pixel Partners Sàrl", is_referenced_partner=True)
        for client_name, representative_email, access_level, accept in [
            ("Helvetia Web AG", "anna@helvetia.example", "full", True),
            ("Rheinmedia GmbH", "erik@rheinmedia.example", "limited", False),
        ]:
            if only_accepted and not accept:
                continue  # an invitation is sent today: it would have expired long ago
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
        """The demo account, created when missing, with its name and the demo password (checked once a run:
        hashing a password is the slow part of the command)."""
        if member.email in self.users:
            return self.users[member.email]
        self.users[member.email] = user = self._ensure_user(member)
        return user

    def _ensure_user(self, member: DemoMember) -> User:
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

    def _seed_organization(self, spec: DemoOrganization, *, with_products: bool = True) -> None:
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
        for slug, name in spec.products if with_products else ():
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
            if not all(name in products for name in member.products):
                continue  # the history orders the products first
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
