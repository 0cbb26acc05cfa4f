"""Every state change of organizations, members, billing addresses and products.

Each service is keyword-only, runs in one transaction, checks the caller's access and the domain rules,
raises `ValidationError` (with field names) or `PermissionDenied`, and writes one audit event.
"""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override
from django_countries import countries

from core.audit import audit_record
from core.notifications import email_on_commit
from organizations.access import Access, Permission
from organizations.languages import organization_language
from organizations.models import (
    BillingAddress,
    EntityType,
    Membership,
    Organization,
    Product,
    ProductType,
    Role,
    Theme,
    User,
    VatNumberChange,
    currency_for_country,
)
from organizations.signals import password_compromised
from organizations.two_factor import set_two_factor_requirement
from organizations.vat import check_vat_number, supports_vat_number

# A new VAT number is saved only with the terms accepted; an organization is created only with them.
VAT_TERMS_REQUIRED = gettext_lazy("Read and accept the terms and conditions to save a VAT number.")


def _audit(access: Access, **event) -> None:
    """One audit event in the organization of `access`, marked "on behalf of" when a partner acted."""
    audit_record(
        actor=access.user, organization=access.organization, on_behalf_of=access.on_behalf_of, **event
    )


def _require(access: Access, permission: Permission, message: str) -> None:
    if not access.can(permission):
        raise PermissionDenied(message)


TERMS_REQUIRED = gettext_lazy("Read and accept the terms and conditions to continue.")


def clean_vat_number(*, entity_type: str, country: str, vat_number: str, field: str = "vat_number") -> str:
    """The compact VAT number to store, or a ValidationError on `field` that says what is wrong."""
    vat_number = (vat_number or "").strip()
    if entity_type == EntityType.INDIVIDUAL:
        if vat_number:
            raise ValidationError({field: _("An individual has no VAT number; choose Company to enter one.")})
        return ""
    if not vat_number:
        if entity_type == EntityType.COMPANY and supports_vat_number(country):
            raise ValidationError({field: _("Enter your company's VAT number.")})
        return ""
    result = check_vat_number(country, vat_number)
    if not result.valid:
        raise ValidationError({field: result.reason})
    return result.compact


def _clean_organization_fields(*, name: str, entity_type: str, country: str) -> tuple[str, str, str]:
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter the name of the organization.")
    elif len(name) > 200:
        errors["name"] = _("The name has at most 200 characters.")
    if entity_type not in EntityType.values:
        errors["entity_type"] = _("Choose the type of entity.")
    country = (country or "").upper()
    if country not in dict(countries):
        errors["country"] = _("Choose a country.")
    if errors:
        raise ValidationError(errors)
    return name, entity_type, country


@transaction.atomic
def organization_create(
    *, by: User, name: str, entity_type: str, country: str, vat_number: str = "", accept_terms: bool
) -> Organization:
    """A new organization with `by` as its legal representative."""
    name, entity_type, country = _clean_organization_fields(
        name=name, entity_type=entity_type, country=country
    )
    compact = clean_vat_number(entity_type=entity_type, country=country, vat_number=vat_number)
    if not accept_terms:
        raise ValidationError({"accept_terms": TERMS_REQUIRED})
    now = timezone.now()
    organization = Organization.objects.create(
        name=name,
        entity_type=entity_type,
        country=country,
        currency=currency_for_country(country),
        vat_number=compact,
        terms_accepted_at=now,
    )
    Membership.objects.create(user=by, organization=organization, role=Role.LEGAL_REPRESENTATIVE)
    if compact:
        VatNumberChange.objects.create(organization=organization, new_number=compact, changed_by=by)
    audit_record(
        actor=by,
        organization=organization,
        action="organization.created",
        target=organization,
        changes={"name": name, "entity_type": entity_type, "country": country, "vat_number": compact},
    )
    return organization


def user_sign_up_errors(
    *,
    email: str,
    password: str,
    full_name: str,
    organization_name: str,
    entity_type: str,
    country: str,
    vat_number: str = "",
    accept_terms: bool,
) -> dict[str, list[str]]:
    """Every mistake in a sign-up, by field, all at once (the account's with the organization's)."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = [_("An account with this email address already exists. Sign in instead.")]
    candidate = User(email=email, full_name=(full_name or "").strip())
    try:
        validate_password(password or "", user=candidate)
    except ValidationError as error:
        errors["password"] = error.messages
    try:
        _name, clean_type, clean_country = _clean_organization_fields(
            name=organization_name, entity_type=entity_type, country=country
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    else:
        try:
            clean_vat_number(entity_type=clean_type, country=clean_country, vat_number=vat_number)
        except ValidationError as error:
            errors.update(error.message_dict)
    if not accept_terms:
        errors["accept_terms"] = [str(TERMS_REQUIRED)]
    if "name" in errors:
        # The sign-up form calls the organization's name field `organization_name`.
        errors["organization_name"] = errors.pop("name")
    return errors


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    organization_name: str,
    entity_type: str,
    country: str,
    vat_number: str = "",
    accept_terms: bool,
    language: str = "",
) -> tuple[User, Organization]:
    """Create an account and its first organization, as on the provider's sign-up page; the account keeps
    the language the page was shown in."""
    errors = user_sign_up_errors(
        email=email,
        password=password,
        full_name=full_name,
        organization_name=organization_name,
        entity_type=entity_type,
        country=country,
        vat_number=vat_number,
        accept_terms=accept_terms,
    )
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        email=User.objects.normalize_email((email or "").strip()).lower(),
        password=password,
        full_name=(full_name or "").strip(),
        language=language if language in dict(settings.LANGUAGES) else "",
    )
    try:
        organization = organization_create(
            by=user,
            name=organization_name,
            entity_type=entity_type,
            country=country,
            vat_number=vat_number,
            accept_terms=accept_terms,
        )
    except ValidationError as error:
        # The sign-up form calls the organization's name field `organization_name`.
        error_dict = dict(error.error_dict)
        if "name" in error_dict:
            error_dict["organization_name"] = error_dict.pop("name")
        raise ValidationError(error_dict) from None
    audit_record(actor=user, organization=organization, action="user.signed_up", target=user)
    return user, organization


UPDATE_DEFAULT_BILLING_ADDRESS = "update_default_billing_address"


def _default_address_taking_vat_number(
    access: Access, *, organization: Organization, compact: str
) -> BillingAddress | None:
    """The default billing address that is to take the VAT number `compact`; None when it already has it."""
    _require(
        access,
        Permission.MANAGE_BILLING_ADDRESSES,
        _("Only legal representatives and administrators can do this."),
    )
    address = BillingAddress.objects.filter(organization=organization, is_default=True).first()
    if address is None:
        raise ValidationError({UPDATE_DEFAULT_BILLING_ADDRESS: _("There is no default billing address.")})
    if compact and not check_vat_number(address.country.code, compact).valid:
        raise ValidationError(
            {
                UPDATE_DEFAULT_BILLING_ADDRESS: _(
                    "The default billing address is in %(country)s: this VAT number cannot be put on it."
                )
                % {"country": address.country.name}
            }
        )
    return address if address.vat_number != compact else None


@transaction.atomic
def organization_update(
    *,
    access: Access,
    name: str | None = None,
    entity_type: str | None = None,
    country: str | None = None,
    vat_number: str | None = None,
    accept_terms: bool = False,
    update_default_billing_address: bool = False,
    two_factor_required: bool | None = None,
) -> Organization:
    """Change the organization's legal data; a new VAT number needs the terms accepted and is dated.
    `two_factor_required` (legal representatives and administrators) makes members use two-factor sign-in.

    With `update_default_billing_address`, the default billing address takes the organization's VAT number
    too: invoices print that address's own number, so without it they would keep the old one."""
    _require(
        access,
        Permission.EDIT_ORGANIZATION,
        _("Only legal representatives and administrators can edit it."),
    )
    organization = Organization.objects.select_for_update().get(pk=access.organization.pk)
    new_name, new_entity_type, new_country = _clean_organization_fields(
        name=organization.name if name is None else name,
        entity_type=organization.entity_type if entity_type is None else entity_type,
        country=organization.country.code if country is None else country,
    )
    typed_vat_number = organization.vat_number if vat_number is None else vat_number
    legal_data_unchanged = (new_entity_type, new_country) == (
        organization.entity_type,
        organization.country.code,
    )
    if legal_data_unchanged and not typed_vat_number.strip() and not organization.vat_number:
        # A company that never gave a VAT number (created before the rule, or by staff) stays editable.
        compact = ""
    else:
        compact = clean_vat_number(
            entity_type=new_entity_type, country=new_country, vat_number=typed_vat_number
        )
    vat_changed = compact != organization.vat_number
    if vat_changed and compact and not accept_terms:
        raise ValidationError({"accept_terms": VAT_TERMS_REQUIRED})
    address = (
        _default_address_taking_vat_number(access, organization=organization, compact=compact)
        if update_default_billing_address
        else None
    )

    changes = {}
    for field, new_value in [
        ("name", new_name),
        ("entity_type", new_entity_type),
        ("country", new_country),
        ("vat_number", compact),
    ]:
        old_value = organization.country.code if field == "country" else getattr(organization, field)
        if old_value != new_value:
            changes[field] = [old_value, new_value]
            setattr(organization, field, new_value)
    if two_factor_required is not None:
        set_two_factor_requirement(access=access, organization=organization, required=two_factor_required)
    if address is not None:
        # Its own event, as if changed on its page: the activity log reads it like any address change.
        _audit(
            access,
            action="billing_address.updated",
            target=address,
            changes={"vat_number": [address.vat_number, compact]},
        )
        address.vat_number = compact
        address.save(update_fields=["vat_number"])
    if not changes:
        return organization
    now = timezone.now()
    if vat_changed:
        VatNumberChange.objects.create(
            organization=organization,
            previous_number=changes["vat_number"][0],
            new_number=compact,
            effective_from=now,
            changed_by=access.user,
        )
        if accept_terms:
            organization.terms_accepted_at = now
    organization.save()
    _audit(
        access,
        action="organization.updated",
        target=organization,
        changes=changes,
    )
    return organization


# Members


def _legal_representatives_left(organization: Organization, *, without: Membership) -> int:
    """Counted under the organization's row lock, so two demotions at once cannot leave none."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    return (
        Membership.objects.filter(organization=organization, role=Role.LEGAL_REPRESENTATIVE)
        .exclude(pk=without.pk)
        .count()
    )


def _clean_role_and_products(*, access: Access, role: str, products) -> list[Product]:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if role == Role.LEGAL_REPRESENTATIVE:
        _require(
            access,
            Permission.MANAGE_LEGAL_REPRESENTATIVES,
            _("Only a legal representative can appoint another legal representative."),
        )
    products = list(products or [])
    if role != Role.EXTERNAL:
        return []
    if not products:
        raise ValidationError({"products": _("Choose the products this external user may manage.")})
    if any(product.organization_id != access.organization.pk for product in products):
        raise ValidationError({"products": _("Choose products of this organization.")})
    return products


@transaction.atomic
def membership_add(*, access: Access, email: str, role: str, products=None) -> Membership:
    """Give someone a role; a person without an account is invited to set a password."""
    _require(
        access, Permission.MANAGE_MEMBERS, _("Only legal representatives and administrators can add users.")
    )
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    products = _clean_role_and_products(access=access, role=role, products=products)
    organization = access.organization
    user = User.objects.filter(email__iexact=email).first()
    invited = user is None
    if invited:
        user = User.objects.create_user(email=email, password=None)
    elif Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError({"email": _("This person is already a member of the organization.")})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organization=organization, role=role)
    except IntegrityError:
        raise ValidationError({"email": _("This person is already a member of the organization.")}) from None
    membership.products.set(products)
    _audit(
        access,
        action="membership.added",
        target=membership,
        changes={"email": email, "role": role, "products": [p.pk for p in products]},
    )
    context = {
        "organization": organization.name,
        "role": _role_label_for(user, role),
        "invited_by": access.user.get_full_name(),
        "set_password_url": _set_password_path(user) if invited else "",
    }
    # A person added without an account reads the organization's language until they choose one.
    email_on_commit(
        to=[email],
        template="membership_added",
        context=context,
        fallback_language=organization_language(organization),
    )
    return membership


def _role_label_for(user: User, role: str) -> str:
    """The role's name for an email to `user`: in the account's language where it has one (emails are
    queued with plain text, and read in the recipient's language)."""
    language = getattr(user, "language", "")
    if not language:
        return str(Role(role).label)
    with override(language):
        return str(Role(role).label)


def _set_password_path(user: User) -> str:
    return reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


@transaction.atomic
def membership_change_role(*, access: Access, membership: Membership, role: str, products=None) -> Membership:
    _require(
        access,
        Permission.MANAGE_MEMBERS,
        _("Only legal representatives and administrators can change roles."),
    )
    if membership.organization_id != access.organization.pk:
        raise PermissionDenied(_("This member belongs to another organization."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    products = _clean_role_and_products(access=access, role=role, products=products)
    if membership.role == Role.LEGAL_REPRESENTATIVE and role != Role.LEGAL_REPRESENTATIVE:
        _require(
            access,
            Permission.MANAGE_LEGAL_REPRESENTATIVES,
            _("Only a legal representative can change the role of a legal representative."),
        )
        if _legal_representatives_left(access.organization, without=membership) == 0:
            raise ValidationError(
                {"role": _("An organization always keeps at least one legal representative.")}
            )
    old_role = membership.role
    old_products = sorted(membership.products.values_list("pk", flat=True))
    membership.role = role
    membership.save(update_fields=["role"])
    membership.products.set(products)
    _audit(
        access,
        action="membership.role_changed",
        target=membership,
        changes={"role": [old_role, role], "products": [old_products, sorted(p.pk for p in products)]},
    )
    return membership


@transaction.atomic
def membership_remove(*, access: Access, membership: Membership) -> None:
    _require(
        access,
        Permission.MANAGE_MEMBERS,
        _("Only legal representatives and administrators can remove users."),
    )
    if membership.organization_id != access.organization.pk:
        raise PermissionDenied(_("This member belongs to another organization."))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.LEGAL_REPRESENTATIVE:
        _require(
            access,
            Permission.MANAGE_LEGAL_REPRESENTATIVES,
            _("Only a legal representative can remove a legal representative."),
        )
        if _legal_representatives_left(access.organization, without=membership) == 0:
            raise ValidationError(_("An organization always keeps at least one legal representative."))
    _audit(
        access,
        action="membership.removed",
        target=membership,
        changes={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()


# Billing addresses

BILLING_ADDRESS_FIELDS = ("name", "street", "postal_code", "city", "country", "email", "vat_number")


def _at_most(limit: int) -> str:
    return ngettext("At most %(limit)s character.", "At most %(limit)s characters.", limit) % {"limit": limit}


def _clean_billing_address(*, access: Access, data: dict) -> dict:
    cleaned = {field: str(data.get(field) or "").strip() for field in BILLING_ADDRESS_FIELDS}
    errors = {}
    for field, missing, limit in [
        ("name", _("Enter a name or company."), 200),
        ("street", _("Enter the street and number."), 200),
        ("postal_code", _("Enter the postal code."), 20),
        ("city", _("Enter the city."), 100),
    ]:
        if not cleaned[field]:
            errors[field] = missing
        elif len(cleaned[field]) > limit:
            errors[field] = _at_most(limit)
    cleaned["country"] = cleaned["country"].upper()
    if cleaned["country"] not in dict(countries):
        errors["country"] = _("Choose a country.")
    if len(cleaned["email"]) > 254:
        errors["email"] = _at_most(254)
    elif cleaned["email"]:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    if cleaned["vat_number"] and "country" not in errors:
        result = check_vat_number(cleaned["country"], cleaned["vat_number"])
        if result.valid:
            cleaned["vat_number"] = result.compact
        else:
            errors["vat_number"] = result.reason
    if errors:
        raise ValidationError(errors)
    return cleaned


def _make_default(address: BillingAddress) -> None:
    BillingAddress.objects.filter(organization_id=address.organization_id, is_default=True).exclude(
        pk=address.pk
    ).update(is_default=False)


@transaction.atomic
def billing_address_create(*, access: Access, data: dict, is_default: bool = False) -> BillingAddress:
    _require(
        access,
        Permission.MANAGE_BILLING_ADDRESSES,
        _("Only legal representatives and administrators can do this."),
    )
    cleaned = _clean_billing_address(access=access, data=data)
    organization = Organization.objects.select_for_update().get(pk=access.organization.pk)
    is_default = is_default or not organization.billing_addresses.exists()
    if is_default:
        BillingAddress.objects.filter(organization=organization, is_default=True).update(is_default=False)
    address = BillingAddress.objects.create(organization=organization, is_default=is_default, **cleaned)
    _audit(
        access,
        action="billing_address.created",
        target=address,
        changes={**cleaned, "is_default": is_default},
    )
    return address


@transaction.atomic
def billing_address_update(
    *, access: Access, address: BillingAddress, data: dict, is_default: bool | None = None
) -> BillingAddress:
    _require(
        access,
        Permission.MANAGE_BILLING_ADDRESSES,
        _("Only legal representatives and administrators can do this."),
    )
    if address.organization_id != access.organization.pk:
        raise PermissionDenied(_("This address belongs to another organization."))
    Organization.objects.select_for_update().get(pk=access.organization.pk)
    address = BillingAddress.objects.get(pk=address.pk)
    current = {field: getattr(address, field) for field in BILLING_ADDRESS_FIELDS}
    current["country"] = address.country.code
    cleaned = _clean_billing_address(access=access, data={**current, **data})
    changes = {field: [current[field], value] for field, value in cleaned.items() if current[field] != value}
    for field, value in cleaned.items():
        setattr(address, field, value)
    if is_default and not address.is_default:
        _make_default(address)
        address.is_default = True
        changes["is_default"] = [False, True]
    if not changes:
        return address
    address.save()
    _audit(
        access,
        action="billing_address.updated",
        target=address,
        changes=changes,
    )
    return address


@transaction.atomic
def billing_address_delete(*, access: Access, address: BillingAddress) -> None:
    """Delete an address; when it was the default, the oldest remaining one becomes the default."""
    _require(
        access,
        Permission.MANAGE_BILLING_ADDRESSES,
        _("Only legal representatives and administrators can do this."),
    )
    if address.organization_id != access.organization.pk:
        raise PermissionDenied(_("This address belongs to another organization."))
    Organization.objects.select_for_update().get(pk=access.organization.pk)
    # The stored row, not the caller's copy, says whether it is the default.
    address = BillingAddress.objects.get(pk=address.pk)
    _audit(
        access,
        action="billing_address.deleted",
        target=address,
        changes={"name": address.name, "city": address.city},
    )
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = BillingAddress.objects.filter(organization_id=access.organization.pk).order_by(
            "created_at", "pk"
        )
        successor = successor.first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


# Products


@transaction.atomic
def product_install(*, access: Access, product_type: ProductType, name: str) -> Product:
    """Install a product in the organization (orders and payment come with billing)."""
    _require(access, Permission.MANAGE_PRODUCTS, _("You cannot add products to this organization."))
    if not access.can(Permission.ORDER_PRODUCTS):
        raise PermissionDenied(_("External users manage only the products they were given."))
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError({"name": _("Enter a name of at most 200 characters.")})
    if not product_type.is_active:
        raise ValidationError({"product_type": _("This product is no longer sold.")})
    product = Product.objects.create(organization=access.organization, product_type=product_type, name=name)
    _audit(
        access,
        action="product.installed",
        target=product,
        changes={"product_type": product_type.slug, "name": name},
    )
    return product


# The user's own preferences


def _set_preference(user: User, field: str, value: str, *, action: str) -> User:
    """Save one of the user's own preferences and record the change, when it is one."""
    old = getattr(user, field)
    if old != value:
        setattr(user, field, value)
        user.save(update_fields=[field])
        audit_record(
            actor=user,
            organization=None,
            action=action,
            target=user,
            changes={field: [old, value]},
        )
    return user


@transaction.atomic
def user_set_theme(*, user: User, theme: str) -> User:
    if theme not in Theme.values:
        raise ValidationError({"theme": _("Choose automatic, light or dark.")})
    return _set_preference(user, "theme", theme, action="user.theme_changed")


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The language the console, the user's emails and the documents of the organizations they legally
    represent are written in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    return _set_preference(user, "language", language, action="user.language_changed")


def _replace_password(user: User, *, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password or ""):
        raise ValidationError({"old_password": _("Your current password is not correct.")})
    try:
        validate_password(new_password or "", user=user)
    except ValidationError as error:
        raise ValidationError({"new_password1": error.messages}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    _replace_password(user, old_password=old_password, new_password=new_password)
    audit_record(actor=user, organization=None, action="user.password_changed", target=user)
    return user


# Account security


def _end_sessions(user: User) -> None:
    """Every session of the user stops being valid at its next request (see User._get_session_auth_hash)."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


@transaction.atomic
def user_sign_out_everywhere(*, user: User) -> User:
    """End every session of the user, in every browser, this one included."""
    _end_sessions(user)
    audit_record(actor=user, organization=None, action="user.signed_out_everywhere", target=user)
    return user


@transaction.atomic
def user_password_compromised(*, user: User, old_password: str, new_password: str) -> User:
    """The user's password is known to someone else: set a new one, end every session and tell the apps that
    hold other credentials of the user (API tokens) to revoke them, through `password_compromised`."""
    if new_password and old_password == new_password:
        raise ValidationError({"new_password1": _("Choose a password different from the compromised one.")})
    _replace_password(user, old_password=old_password, new_password=new_password)
    _end_sessions(user)
    audit_record(actor=user, organization=None, action="user.password_compromised", target=user)
    password_compromised.send(sender=User, user=user)
    return user
