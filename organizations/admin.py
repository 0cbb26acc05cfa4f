"""Django admin for staff: users, organizations, members, billing addresses and the catalog.

Business rules live in `organizations.services`, which act through a member's access. The admin does not
repeat them: whatever a rule guards (legal data and VAT history, legal representatives, default billing
addresses, the organization a product belongs to) is read-only here and changed in the console. What staff
may change here is recorded in the audit log, so the organization sees it in its activity log.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries.filters import CountryFilter
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.util import clean

from core.audit import audit_record
from organizations import two_factor
from organizations.models import (
    BillingAddress,
    Membership,
    Organization,
    Passkey,
    Product,
    ProductCategory,
    ProductType,
    Role,
    User,
    VatNumberChange,
)
from organizations.selectors import with_vat_number_shared


def _audit_value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "all"):
        return sorted(str(item) for item in value.all())
    if isinstance(value, list | tuple | set | frozenset):
        return [str(item) for item in value]
    return str(value)


class AuditedAdmin(admin.ModelAdmin):
    """Records every add, change and delete made through the admin as an audit event of the organization."""

    def audit_organization(self, obj):
        return getattr(obj, "organization", None)

    def _audit(self, request, obj, verb: str, changes: dict) -> None:
        audit_record(
            actor=request.user,
            organization=self.audit_organization(obj),
            action=f"admin.{obj._meta.model_name}.{verb}",
            target=obj,
            changes=changes,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = [name for name in form.changed_data if "password" not in name]
        changes = {name: _audit_value(form.cleaned_data.get(name)) for name in fields}
        if change and not changes:
            return
        self._audit(request, obj, "changed" if change else "added", changes)

    def delete_model(self, request, obj):
        self._audit(request, obj, "deleted", {"repr": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "deleted", {"repr": str(obj)})
        super().delete_queryset(request, queryset)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Users


class _EmailFormMixin:
    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"].strip()).lower()
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("A user with this email address already exists."))
        return email


class UserAddForm(_EmailFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class UserEditForm(_EmailFormMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserMembershipInline(ReadOnlyInline):
    model = Membership
    fk_name = "user"
    fields = ("organization", "role", "created_at")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("memberships (changed in the console)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization")


class UserPasskeyInline(ReadOnlyInline):
    model = Passkey
    fields = ("name", "created_at", "last_used_at")
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = gettext_lazy("passkeys (removed by the user under Security, or by a reset)")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (gettext_lazy("Personal info"), {"fields": ("full_name", "theme", "language")}),
        (
            gettext_lazy("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (gettext_lazy("Important dates"), {"fields": ("last_login", "date_joined")}),
        (gettext_lazy("Two-factor sign-in"), {"fields": ("two_factor",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "full_name", "two_factor", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined", "two_factor")
    inlines = [UserMembershipInline, UserPasskeyInline]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
                has_passkey=Exists(Passkey.objects.filter(user=OuterRef("pk"))),
            )
        )

    @admin.display(boolean=True, description=gettext_lazy("two-factor sign-in"))
    def two_factor(self, obj):
        return bool(getattr(obj, "has_totp", False) or getattr(obj, "has_passkey", False))

    @admin.action(
        description=gettext_lazy("Reset two-factor sign-in (the user signs in with the password alone)")
    )
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            two_factor.two_factor_reset(user=user, by=request.user)
        self.message_user(
            request,
            _("Two-factor sign-in was reset for %(count)s users; each of them was emailed.")
            % {"count": queryset.count()},
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Bulk deletion would skip the per-user check below.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # Removing a legal representative is the console's job (an organization keeps at least one).
        if obj is not None and obj.memberships.filter(role=Role.LEGAL_REPRESENTATIVE).exists():
            return False
        return super().has_delete_permission(request, obj)


# Two-factor sign-in: staff see who has it on the Users list and reset it there; TOTP secrets stay hidden.
admin.site.unregister(TOTPDevice)


# Organizations


class OrganizationMembershipInline(ReadOnlyInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("members (changed in the console: Settings > Users)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class OrganizationBillingAddressInline(ReadOnlyInline):
    model = BillingAddress
    fields = ("name", "street", "postal_code", "city", "country", "is_default")
    readonly_fields = fields


class OrganizationProductInline(ReadOnlyInline):
    model = Product
    fields = ("name", "product_type", "status", "expires_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product_type")


class VatNumberChangeInline(ReadOnlyInline):
    model = VatNumberChange
    fields = ("previous_number", "new_number", "effective_from", "changed_by")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class VatNumberSharedFilter(admin.SimpleListFilter):
    """Organizations whose VAT number another organization also has: a typo, or a registration to check."""

    title = gettext_lazy("VAT number shared")
    parameter_name = "vat_number_shared"

    def lookups(self, request, _model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(vat_number_shared=self.value() == "yes")
        return queryset


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = (
        "name",
        "entity_type",
        "country",
        "currency",
        "vat_number_formatted",
        "vat_number_shared",
        "is_referenced_partner",
        "created_at",
    )
    list_filter = (
        "entity_type",
        ("country", CountryFilter),
        VatNumberSharedFilter,
        "is_referenced_partner",
        "currency",
    )
    search_fields = ("name", "vat_number")
    date_hierarchy = "created_at"
    # Legal data (entity type, country, VAT number with its dated history) changes through the console,
    # which validates the number and records the history; the currency is fixed at creation.
    fields = (
        "name",
        "entity_type",
        "country",
        "currency",
        "vat_number_formatted",
        "terms_accepted_at",
        "is_referenced_partner",
        "created_at",
    )
    readonly_fields = (
        "entity_type",
        "country",
        "currency",
        "vat_number_formatted",
        "terms_accepted_at",
        "created_at",
    )
    inlines = [
        OrganizationMembershipInline,
        OrganizationBillingAddressInline,
        OrganizationProductInline,
        VatNumberChangeInline,
    ]

    @admin.display(description=gettext_lazy("VAT number"), ordering="vat_number")
    def vat_number_formatted(self, obj):
        return obj.vat_number_display or "—"

    @admin.display(description=gettext_lazy("VAT number shared"), boolean=True, ordering="vat_number_shared")
    def vat_number_shared(self, obj):
        return obj.vat_number_shared

    def get_queryset(self, request):
        return with_vat_number_shared(super().get_queryset(request))

    def audit_organization(self, obj):
        return obj if obj.pk else None

    def get_search_results(self, request, queryset, search_term):
        filtered = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # VAT numbers are stored compact; also find them as people type them (CHE-116.281.710 MWST).
        compact = clean(search_term, " -./").upper()
        if compact and compact != search_term.strip().upper():
            queryset |= filtered.filter(vat_number__icontains=compact)
        return queryset, may_have_duplicates

    def has_add_permission(self, request):
        # An organization is created with its legal representative (sign-up or the console), never empty.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would take its members, addresses and VAT history with it; its history must stay.
        return False


@admin.register(VatNumberChange)
class VatNumberChangeAdmin(admin.ModelAdmin):
    list_display = ("organization", "previous_number", "new_number", "effective_from", "changed_by")
    list_select_related = ("organization", "changed_by")
    search_fields = ("organization__name", "previous_number", "new_number")
    date_hierarchy = "effective_from"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Members


class MembershipAddForm(forms.ModelForm):
    """Staff may add a member; external members (with their product list) are added in the console."""

    class Meta:
        model = Membership
        fields = ("user", "organization", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label) for value, label in self.fields["role"].choices if value != Role.EXTERNAL
        ]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_select_related = ("user", "organization")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "organization__name")
    autocomplete_fields = ("user", "organization", "products")
    fields = ("user", "organization", "role", "products", "created_at")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ("user", "organization", "role") if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        # A role change may leave an organization without a legal representative, and an external member's
        # products must be the organization's: both are checked by the console's services.
        return () if obj is None else self.fields

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.role == Role.LEGAL_REPRESENTATIVE:
            return False
        return super().has_delete_permission(request, obj)


# Billing addresses


@admin.register(BillingAddress)
class BillingAddressAdmin(AuditedAdmin):
    list_display = ("name", "organization", "city", "country", "vat_number_formatted", "is_default")
    list_select_related = ("organization",)
    list_filter = ("is_default", ("country", CountryFilter))
    search_fields = ("name", "organization__name", "city", "email", "vat_number")
    autocomplete_fields = ("organization",)
    fields = (
        "organization",
        "name",
        "street",
        "postal_code",
        "city",
        "country",
        "email",
        "vat_number_formatted",
        "is_default",
        "created_at",
    )
    # Country and VAT number decide the tax of future invoices and are checked by the console; only one
    # address is the default, which the console switches.
    readonly_fields = ("organization", "country", "vat_number_formatted", "is_default", "created_at")

    @admin.display(description=gettext_lazy("VAT number"), ordering="vat_number")
    def vat_number_formatted(self, obj):
        return obj.vat_number_display or "—"

    @admin.display(description=gettext_lazy("VAT number shared"), boolean=True, ordering="vat_number_shared")
    def vat_number_shared(self, obj):
        return obj.vat_number_shared

    def get_queryset(self, request):
        return with_vat_number_shared(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Catalog


class ProductTypeInline(ReadOnlyInline):
    """Product types are edited on their own page (or their prices in the list), where changes are audited."""

    model = ProductType
    fields = ("name", "slug", "period", "price_chf", "price_eur", "is_active", "position")
    readonly_fields = fields


@admin.register(ProductCategory)
class ProductCategoryAdmin(AuditedAdmin):
    list_display = ("name", "slug", "icon", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ProductTypeInline]


@admin.register(ProductType)
class ProductTypeAdmin(AuditedAdmin):
    list_display = ("name", "category", "slug", "period", "price_chf", "price_eur", "is_active", "position")
    list_editable = ("price_chf", "price_eur", "is_active", "position")
    list_select_related = ("category",)
    list_filter = ("category", "period", "is_active")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Product)
class ProductAdmin(AuditedAdmin):
    list_display = (
        "name",
        "organization",
        "product_type",
        "category",
        "status",
        "created_at",
        "expires_at",
        "auto_renew",
        "cancelled_at",
    )
    list_select_related = ("organization", "product_type__category")
    list_filter = ("status", "auto_renew", "product_type__category", "product_type")
    search_fields = ("name", "organization__name", "product_type__name")
    autocomplete_fields = ("organization", "product_type")
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("category"), ordering="product_type__category__position")
    def category(self, obj):
        return obj.product_type.category

    def get_readonly_fields(self, request, obj=None):
        # Moving a product to another organization would carry it out of its members' reach.
        return ("organization", "created_at") if obj is not None else ()
