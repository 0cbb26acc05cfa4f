from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organizations import selectors, services, two_factor
from organizations.access import Permission
from organizations.forms import (
    BillingAddressForm,
    MemberEditForm,
    MemberForm,
    OrganizationEditForm,
    apply_service_errors,
)
from organizations.models import Role
from organizations.web import organization_view


@organization_view(Permission.VIEW_PRODUCTS)
def products(request):
    access = request.access
    return render(
        request,
        "organizations/products.html",
        {"categories": selectors.product_categories_with_products(access)},
    )


@organization_view(Permission.VIEW_PRODUCTS)
def product_detail(request, product_id):
    product = get_object_or_404(selectors.products_visible_to(request.access), pk=product_id)
    return render(request, "organizations/product_detail.html", {"product": product})


@organization_view(Permission.VIEW_SETTINGS)
def organization_settings(request):
    access = request.access
    return render(
        request,
        "organizations/organization_settings.html",
        {
            "organization": access.organization,
            "vat_history": selectors.vat_number_history(access)[:20],
            "can_edit": access.can(Permission.EDIT_ORGANIZATION),
            "can_set_two_factor": access.can(Permission.EDIT_ORGANIZATION) and not access.acts_for_partner,
        },
    )


@organization_view(Permission.EDIT_ORGANIZATION)
@require_POST
def organization_two_factor(request):
    """Members must (or no longer must) use two-factor sign-in here."""
    required = request.POST.get("two_factor_required") == "on"
    try:
        two_factor.organization_two_factor_requirement_set(access=request.access, required=required)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if required:
            messages.success(request, _("Members must now use two-factor sign-in."))
        else:
            messages.success(request, _("Members no longer need two-factor sign-in."))
    return redirect("organization_settings", org_id=request.access.organization.pk)


@organization_view(Permission.EDIT_ORGANIZATION)
@require_http_methods(["GET", "POST"])
def organization_edit(request):
    access = request.access
    organization = access.organization
    initial = {
        "name": organization.name,
        "entity_type": organization.entity_type,
        "country": organization.country.code,
        "vat_number": organization.vat_number_display,
    }
    invoiced = selectors.invoice_vat_number(access)
    offered = invoiced.address if invoiced and access.can(Permission.MANAGE_BILLING_ADDRESSES) else None
    form = OrganizationEditForm(request.POST or None, initial=initial, default_address=offered)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.organization_update(access=access, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your organization has been saved."))
            if selectors.vat_number_shared(saved):
                # Not refused: a group's companies may share one registration; a typo is the usual cause.
                messages.warning(
                    request,
                    _(
                        "Another organization also has the VAT number %(number)s. "
                        "Check that it is the right one."
                    )
                    % {"number": saved.vat_number_display},
                )
            return redirect("organization_settings", org_id=organization.pk)
    return render(
        request,
        "organizations/organization_edit.html",
        {"form": form, "organization": organization, "invoiced": invoiced},
    )


@organization_view(Permission.VIEW_MEMBERS)
def members(request):
    access = request.access
    return render(
        request,
        "organizations/members.html",
        {
            "memberships": selectors.members_visible_to(access),
            "can_manage": access.can(Permission.MANAGE_MEMBERS),
        },
    )


def _member_products(access):
    return selectors.products_visible_to(access).select_related("product_type")


@organization_view(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_add(request):
    access = request.access
    form = MemberForm(request.POST or None, products_queryset=_member_products(access))
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_add(access=access, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(email)s has been added as %(role)s.")
                % {"email": membership.user.email, "role": membership.get_role_display()},
            )
            return redirect("members", org_id=access.organization.pk)
    return render(request, "organizations/member_form.html", {"form": form, "adding": True})


@organization_view(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_edit(request, membership_id):
    access = request.access
    membership = get_object_or_404(selectors.members_visible_to(access), pk=membership_id)
    initial = {"role": membership.role, "products": list(membership.products.values_list("pk", flat=True))}
    form = MemberEditForm(request.POST or None, initial=initial, products_queryset=_member_products(access))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(access=access, membership=membership, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The role of %(email)s has been changed.") % {"email": membership.user.email}
            )
            return redirect("members", org_id=access.organization.pk)
    return render(
        request, "organizations/member_form.html", {"form": form, "membership": membership, "adding": False}
    )


@organization_view(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def member_remove(request, membership_id):
    access = request.access
    membership = get_object_or_404(selectors.members_visible_to(access), pk=membership_id)
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(access=access, membership=membership)
        except (ValidationError, PermissionDenied) as refusal:
            error = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
        else:
            messages.success(
                request,
                _("%(email)s no longer has access to the organization.") % {"email": membership.user.email},
            )
            return redirect("members", org_id=access.organization.pk)
    return render(
        request,
        "organizations/member_remove.html",
        {
            "membership": membership,
            "error": error,
            "is_legal_representative": membership.role == Role.LEGAL_REPRESENTATIVE,
        },
    )


@organization_view(Permission.VIEW_BILLING)
def billing_addresses(request):
    access = request.access
    return render(
        request,
        "organizations/billing_addresses.html",
        {
            "addresses": selectors.billing_addresses_visible_to(access),
            "can_manage": access.can(Permission.MANAGE_BILLING_ADDRESSES),
        },
    )


@organization_view(Permission.MANAGE_BILLING_ADDRESSES)
@require_http_methods(["GET", "POST"])
def billing_address_add(request):
    access = request.access
    form = BillingAddressForm(request.POST or None, initial={"country": access.organization.country.code})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        is_default = data.pop("is_default")
        try:
            services.billing_address_create(access=access, data=data, is_default=is_default)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The billing address has been added."))
            return redirect("billing_addresses", org_id=access.organization.pk)
    return render(request, "organizations/billing_address_form.html", {"form": form, "adding": True})


@organization_view(Permission.MANAGE_BILLING_ADDRESSES)
@require_http_methods(["GET", "POST"])
def billing_address_edit(request, address_id):
    access = request.access
    address = get_object_or_404(selectors.billing_addresses_visible_to(access), pk=address_id)
    initial = {
        field: getattr(address, field)
        for field in ("name", "street", "postal_code", "city", "email", "is_default")
    }
    initial.update(country=address.country.code, vat_number=address.vat_number_display)
    form = BillingAddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        is_default = data.pop("is_default")
        try:
            services.billing_address_update(access=access, address=address, data=data, is_default=is_default)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The billing address has been saved."))
            return redirect("billing_addresses", org_id=access.organization.pk)
    return render(
        request,
        "organizations/billing_address_form.html",
        {"form": form, "address": address, "adding": False},
    )


@organization_view(Permission.MANAGE_BILLING_ADDRESSES)
@require_http_methods(["GET", "POST"])
def billing_address_delete(request, address_id):
    access = request.access
    address = get_object_or_404(selectors.billing_addresses_visible_to(access), pk=address_id)
    if request.method == "POST":
        services.billing_address_delete(access=access, address=address)
        messages.success(request, _("The billing address has been deleted."))
        return redirect("billing_addresses", org_id=access.organization.pk)
    return render(request, "organizations/billing_address_delete.html", {"address": address})
