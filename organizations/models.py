from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_countries.fields import CountryField

from organizations import vat


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class Theme(models.TextChoices):
    AUTO = "auto", gettext_lazy("Automatic")
    LIGHT = "light", gettext_lazy("Light")
    DARK = "dark", gettext_lazy("Dark")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address and belongs to one or more organizations."""

    email = models.EmailField(gettext_lazy("email address"), unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    theme = models.CharField(max_length=5, choices=Theme.choices, default=Theme.AUTO)
    # Chosen in a language menu or at sign-up; empty until then (the browser's language applies). The console,
    # the emails to this user and the invoices of the organizations they legally represent speak it.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised by "Sign out everywhere" and the compromised-password action: every session signed with the
    # previous value stops being valid at its next request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def _get_session_auth_hash(self, secret=None):
        # Django's hash covers the password; the generation lets a user end every session without changing it.
        key_salt = "organizations.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_generation}", secret=secret, algorithm="sha256"
        ).hexdigest()


class EntityType(models.TextChoices):
    INDIVIDUAL = "individual", gettext_lazy("Individual")
    COMPANY = "company", gettext_lazy("Company")
    ASSOCIATION = "association", gettext_lazy("Association")
    PUBLIC_ADMINISTRATION = "public_administration", gettext_lazy("Public administration")


class Currency(models.TextChoices):
    CHF = "CHF", gettext_lazy("Swiss franc")
    EUR = "EUR", gettext_lazy("Euro")


def currency_for_country(country_code: str) -> str:
    return Currency.CHF if str(country_code).upper() in {"CH", "LI"} else Currency.EUR


class Organization(models.Model):
    """A customer account: it owns products, members, billing addresses and (later) invoices."""

    name = models.CharField(max_length=200)
    entity_type = models.CharField(max_length=32, choices=EntityType.choices)
    country = CountryField()
    currency = models.CharField(max_length=3, choices=Currency.choices, editable=False)
    vat_number = models.CharField(
        gettext_lazy("VAT number"),
        max_length=40,
        blank=True,
        help_text=gettext_lazy("Stored in compact form."),
    )
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    is_referenced_partner = models.BooleanField(default=False)
    # Members (and a partner's people acting for it) must have a second factor to act here.
    two_factor_required = models.BooleanField(
        gettext_lazy("members must use two-factor sign-in"), default=False, db_default=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entity_type="individual", vat_number="") | ~Q(entity_type="individual"),
                name="organization_individual_has_no_vat_number",
            ),
            models.CheckConstraint(
                condition=Q(currency__in=["CHF", "EUR"]), name="organization_currency_known"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def vat_number_display(self) -> str:
        return vat.format_vat_number(self.country.code, self.vat_number) if self.vat_number else ""


class VatNumberChange(models.Model):
    """One entry of an organization's VAT number history; the number applies from `effective_from`."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="vat_number_changes"
    )
    previous_number = models.CharField(max_length=40, blank=True)
    new_number = models.CharField(max_length=40, blank=True)
    effective_from = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-effective_from", "-id"]
        get_latest_by = "effective_from"

    def __str__(self):
        return f"{self.organization}: {self.previous_number or '—'} → {self.new_number or '—'}"

    @property
    def new_number_display(self) -> str:
        return vat.format_vat_number(self.organization.country.code, self.new_number)

    @property
    def previous_number_display(self) -> str:
        return vat.format_vat_number(self.organization.country.code, self.previous_number)


class Role(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", gettext_lazy("Legal representative")
    ADMINISTRATOR = "administrator", gettext_lazy("Administrator")
    USER = "user", pgettext_lazy("the role", "User")
    # Invoices, credit notes, the wallet's balance and exports, read-only: a seat for the bookkeeper.
    ACCOUNTANT = "accountant", pgettext_lazy("the role", "Accountant")
    EXTERNAL = "external", pgettext_lazy("the role", "External")


class Membership(models.Model):
    """A user's role in an organization; external members see only the products listed here."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    products = models.ManyToManyField(
        "organizations.Product", blank=True, related_name="external_memberships"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_one_per_user_and_organization"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.organization}"


class BillingAddress(models.Model):
    """An address invoices can be sent to; one per organization is the default."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="billing_addresses")
    name = models.CharField(gettext_lazy("name or company"), max_length=200)
    street = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=20)
    city = models.CharField(max_length=100)
    country = CountryField()
    email = models.EmailField(gettext_lazy("billing email"), blank=True)
    vat_number = models.CharField(gettext_lazy("VAT number"), max_length=40, blank=True)
    is_default = models.BooleanField(gettext_lazy("default address"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "name", "id"]
        verbose_name_plural = gettext_lazy("billing addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_default=True), name="billing_address_one_default"
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def vat_number_display(self) -> str:
        return vat.format_vat_number(self.country.code, self.vat_number) if self.vat_number else ""


class ProductCategory(models.Model):
    """A family of products in the catalog (Web hosting, Mail Service, Domain, …)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    icon = models.CharField(max_length=40, default="box", help_text=gettext_lazy("Bootstrap Icons name."))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = gettext_lazy("product categories")

    def __str__(self):
        return self.name


class BillingPeriod(models.TextChoices):
    MONTH = "month", gettext_lazy("per month")
    YEAR = "year", gettext_lazy("per year")


class ProductType(models.Model):
    """A product one can order, with its public price per period in each currency."""

    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="product_types")
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    period = models.CharField(max_length=5, choices=BillingPeriod.choices, default=BillingPeriod.YEAR)
    price_chf = models.DecimalField(gettext_lazy("public price (CHF)"), max_digits=10, decimal_places=2)
    price_eur = models.DecimalField(gettext_lazy("public price (EUR)"), max_digits=10, decimal_places=2)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category__position", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_chf__gte=0, price_eur__gte=0), name="product_type_price_positive"
            ),
        ]

    def __str__(self):
        return self.name

    def price_in(self, currency: str):
        return self.price_chf if currency == Currency.CHF else self.price_eur

    @property
    def period_length(self) -> timedelta:
        """One period: 30 days for a monthly product, 365 for a yearly one."""
        return timedelta(days=30) if self.period == BillingPeriod.MONTH else timedelta(days=365)


class ProductStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("a product's status", "Active")
    SUSPENDED = "suspended", pgettext_lazy("a product's status", "Suspended")
    EXPIRED = "expired", pgettext_lazy("a product's status", "Expired")


class Product(models.Model):
    """A product installed in an organization (always the client's, whoever pays for it)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="products")
    product_type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(
        max_length=200, help_text=gettext_lazy("Domain name, mailbox domain, drive name, …")
    )
    status = models.CharField(max_length=12, choices=ProductStatus.choices, default=ProductStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("The end of the period paid for.")
    )
    auto_renew = models.BooleanField(
        default=True, help_text=gettext_lazy("Renewed automatically for one more period when it ends.")
    )
    cancelled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When it was cancelled: it ends at the end of its period, without renewal."),
    )

    class Meta:
        ordering = ["product_type__category__position", "name", "id"]

    def __str__(self):
        return f"{self.name} ({self.product_type})"

    def save(self, *args, **kwargs):
        # A product always has an end: one period from its installation until an order says otherwise.
        if self.expires_at is None and self.product_type_id is not None:
            self.expires_at = (self.created_at or timezone.now()) + self.product_type.period_length
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "expires_at"}
        super().save(*args, **kwargs)


class Passkey(models.Model):
    """A passkey or security key (WebAuthn credential) a user signs in with as a second factor."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(gettext_lazy("name"), max_length=100)
    # base64url, as the browser sends it back; unique across users, as the authenticators make them.
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.name


class RecoveryCode(models.Model):
    """A one-time code that stands in for a lost second factor; only its keyed hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique_per_user"),
        ]

    def __str__(self):
        return f"{self.user} — {'used' if self.used_at else 'unused'}"
