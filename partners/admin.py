"""Django admin for the partner program: directory entries with their rates, and partnerships (read-only).

Staff make an organization a referenced partner by giving it a directory entry, and set its reseller rates;
both go through `partners.services.partner_profile_save`, which writes the audit event. Every step of a
partnership (invite, accept, who pays, stop) has rules and emails in the services, so partnerships are only
read here.
"""

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_countries.filters import CountryFilter

from core.admin import ReadOnlyAdmin
from organizations.admin import ReadOnlyInline
from partners.models import (
    BulkRun,
    BulkRunItem,
    PartnerProfile,
    Partnership,
    PartnershipReminder,
    PartnerTeam,
    TransferCode,
)
from partners.services import partner_profile_save

PROFILE_FIELDS = (
    "public_name",
    "contact_email",
    "description",
    "reseller_discount_rate",
    "cashback_rate",
    "is_listed",
)


@admin.register(PartnerProfile)
class PartnerProfileAdmin(admin.ModelAdmin):
    list_display = (
        "public_name",
        "organization",
        "contact_email",
        "country",
        "reseller_discount_rate",
        "cashback_rate",
        "is_listed",
    )
    list_select_related = ("organization",)
    list_filter = ("is_listed", ("country", CountryFilter))
    search_fields = ("public_name", "contact_email", "organization__name")
    autocomplete_fields = ("organization",)
    fields = (
        "organization",
        "public_name",
        "contact_email",
        "country",
        "description",
        "reseller_discount_rate",
        "cashback_rate",
        "is_listed",
    )

    def get_readonly_fields(self, request, obj=None):
        # The country is the organization's; a directory entry never moves to another organization.
        return ("country",) if obj is None else ("organization", "country")

    def save_model(self, request, obj, form, change):
        profile = partner_profile_save(
            organization=obj.organization,
            by=request.user,
            **{field: getattr(obj, field) for field in PROFILE_FIELDS},
        )
        # The admin goes on with `obj` (its history entry, the redirect to the saved profile).
        obj.pk = profile.pk
        obj.country = profile.country
        obj.contact_email = profile.contact_email

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # Partnerships, invoices and cashback refer to the partner; take it out of the directory instead
        # ("listed in the directory").
        return False


class EndFilter(admin.SimpleListFilter):
    """Time-limited access: with an end, ending within 30 days, no end."""

    title = gettext_lazy("access until")
    parameter_name = "until"

    def lookups(self, request, _model_admin):
        return [
            ("soon", gettext_lazy("Ending within 30 days")),
            ("dated", gettext_lazy("With an end date")),
            ("none", gettext_lazy("No end")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "soon":
            return queryset.filter(
                ends_at__gt=timezone.now(), ends_at__lte=timezone.now() + timedelta(days=30)
            )
        if self.value() == "dated":
            return queryset.filter(ends_at__isnull=False)
        if self.value() == "none":
            return queryset.filter(ends_at__isnull=True)
        return queryset


@admin.register(Partnership)
class PartnershipAdmin(ReadOnlyAdmin):
    list_display = (
        "client",
        "partner",
        "access",
        "payment_method",
        "status",
        "initiated_by",
        "created_at",
        "answered_at",
        "ends_at",
        "ended_at",
    )
    list_select_related = ("client", "partner")
    list_filter = ("status", "access", "payment_method", "initiated_by", EndFilter)
    search_fields = ("client__name", "partner__name", "partner__partner_profile__public_name")
    date_hierarchy = "created_at"
    # The invitation nonce is left out: together with a signature it makes the accept / refuse link.
    fields = (
        "client",
        "partner",
        "access",
        "granted_products",
        "payment_method",
        "status",
        "initiated_by",
        "created_at",
        "created_by",
        "invitation_sent_at",
        "answered_at",
        "answered_by",
        "payment_method_changed_at",
        "ends_at",
        "renewal_requested_at",
        "renewal_requested_by",
        "renewal_until",
        "reminders_sent",
        "who_acts",
        "ended_at",
        "ended_by",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("who acts for the client"))
    def who_acts(self, obj):
        if not obj.assigned_members_only:
            return gettext_lazy("Every member of the partner")
        emails = obj.assignments.order_by("membership__user__email").values_list(
            "membership__user__email", flat=True
        )
        teams = obj.assigned_teams.order_by("name").values_list("name", flat=True)
        return ", ".join([str(gettext_lazy("The legal representatives")), *emails, *teams])

    @admin.display(description=gettext_lazy("reminders sent"))
    def reminders_sent(self, obj):
        reminders = obj.reminders.order_by("sent_at")
        return (
            ", ".join(
                f"{reminder.days_before} d ({reminder.sent_at:%Y-%m-%d %H:%M})" for reminder in reminders
            )
            or "—"
        )

    @admin.display(description=gettext_lazy("granted products"))
    def granted_products(self, obj):
        products = obj.products.select_related("product_type").order_by("name")
        return ", ".join(str(product) for product in products) or "—"


@admin.register(PartnerTeam)
class PartnerTeamAdmin(ReadOnlyAdmin):
    """Partners' teams (read-only: their legal representatives keep them in the Reseller Area)."""

    list_display = ("name", "organization", "created_at")
    list_select_related = ("organization",)
    search_fields = ("name", "organization__name")
    fields = ("organization", "name", "team_members", "created_at")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("members"))
    def team_members(self, obj):
        emails = obj.members.order_by("user__email").values_list("user__email", flat=True)
        return ", ".join(emails) or "—"


@admin.register(PartnershipReminder)
class PartnershipReminderAdmin(ReadOnlyAdmin):
    """The reminders sent before a time-limited access ends (read-only: the periodic job writes them)."""

    list_display = ("partnership", "days_before", "ends_at", "sent_at")
    list_select_related = ("partnership__client", "partnership__partner")
    list_filter = ("days_before",)
    search_fields = ("partnership__client__name", "partnership__partner__name")
    date_hierarchy = "sent_at"


@admin.register(TransferCode)
class TransferCodeAdmin(ReadOnlyAdmin):
    """Handover codes (read-only; only a hash of each code is kept, and it is not shown)."""

    list_display = ("partnership", "created_at", "expires_at", "used_at", "revoked_at", "new_partnership")
    list_select_related = (
        "partnership__client",
        "partnership__partner",
        "new_partnership__client",
        "new_partnership__partner",
    )
    list_filter = ("created_at", "used_at", "revoked_at")
    search_fields = ("partnership__client__name", "partnership__partner__name")
    fields = (
        "partnership",
        "created_at",
        "created_by",
        "expires_at",
        "used_at",
        "used_by",
        "revoked_at",
        "new_partnership",
    )
    readonly_fields = fields


class BulkRunItemInline(ReadOnlyInline):
    model = BulkRunItem
    fields = ("client_name", "partnership", "outcome", "reason", "processed_at")
    readonly_fields = fields
    show_change_link = False


@admin.register(BulkRun)
class BulkRunAdmin(ReadOnlyAdmin):
    """Bulk actions of Managed Clients and the result per client (read-only: the background task writes
    them)."""

    list_display = ("organization", "action", "created_by", "created_at", "finished_at")
    list_select_related = ("organization", "created_by")
    list_filter = ("action", "created_at")
    search_fields = ("organization__name", "created_by__email")
    fields = ("organization", "action", "until", "created_by", "language", "created_at", "finished_at")
    readonly_fields = fields
    inlines = [BulkRunItemInline]
