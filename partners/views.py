from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.row_urls import row_url_format
from core.sudo import sudo_active, sudo_check, sudo_refusal, sudo_required
from organizations.access import Permission, resolve_access
from organizations.forms import apply_service_errors
from organizations.web import organization_view
from partners import selectors, services
from partners.forms import (
    AccessChoiceForm,
    BulkActionForm,
    ClientAssignmentForm,
    ClientRequestForm,
    EndOfAccessForm,
    ManagedClientFilterForm,
    PartnerSearchForm,
    PartnerTeamForm,
    PaymentMethodForm,
    StopForm,
    TransferCodeForm,
)
from partners.invitations import read_invitation_token
from partners.models import (
    ACCESS_DESCRIPTIONS,
    GRANTABLE_FOR_REQUEST,
    PARTNER_MAY_PAY,
    Access,
    BulkOutcome,
    BulkRun,
    ClientRequest,
    InitiatedBy,
    Partnership,
    PaymentMethod,
    Status,
)


def _partnership_or_404(request, partnership_id) -> Partnership:
    partnership = selectors.partnership_for(request.access, partnership_id)
    if partnership is None:
        raise Http404("No such partnership.")
    return partnership


def _is_client_side(request, partnership: Partnership) -> bool:
    return partnership.client_id == request.access.organization.pk


def _back(request, partnership: Partnership):
    org_id = request.access.organization.pk
    if _is_client_side(request, partnership):
        return redirect("partners", org_id=org_id)
    return redirect("managed_clients", org_id=org_id)


ACCESS_ICONS = {
    Access.LIMITED: "sliders",
    Access.FULL: "building-check",
    Access.TECHNICAL: "tools",
    Access.READ_ONLY: "eye",
    Access.BILLING: "receipt",
}


def access_options(*, allowed=None, pays: bool | None = None) -> list[dict]:
    """The accesses a client may grant, each with what it lets the partner do in plain words; those the
    answer to a partner's request may not grant (`allowed`) or that need a paying partner (`pays` False)
    are shown disabled with the reason."""
    options = []
    for value, label in Access.choices:
        disabled = ""
        if allowed is not None and value not in allowed:
            disabled = _("More than the partner asked for.")
        elif pays is False and value == Access.BILLING:
            disabled = _("Only for a partner that pays for you.")
        options.append(
            {
                "value": value,
                "label": label,
                "description": ACCESS_DESCRIPTIONS[value],
                "icon": ACCESS_ICONS[value],
                "disabled": disabled,
            }
        )
    return options


def _refusal_message(refusal) -> str:
    return " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)


# Client side: Partner


@organization_view(Permission.VIEW_PARTNERS)
def partners(request):
    access = request.access
    partnerships = list(selectors.partnerships_of_client(access))
    return render(
        request,
        "partners/partners.html",
        {
            "live": [p for p in partnerships if p.shown_status in (Status.PENDING, Status.ACTIVE)],
            "history": [p for p in partnerships if p.shown_status not in (Status.PENDING, Status.ACTIVE)],
            "can_manage": access.can(Permission.MANAGE_PARTNERS),
            "can_view_activity": access.can(Permission.VIEW_ACTIVITY),
        },
    )


@organization_view(Permission.MANAGE_PARTNERS)
@require_http_methods(["GET", "POST"])
def partner_add(request):
    """Add a partner: search, tick → Continue → Limited or Full → Continue → products or wallet → Continue."""
    access = request.access
    data = request.POST if request.method == "POST" else request.GET
    search_form = PartnerSearchForm(data)
    search = search_form.data.get("q", "").strip()
    results = (
        list(selectors.partner_directory(search).exclude(organization=access.organization)[:20])
        if search
        else []
    )
    context = {"search_form": search_form, "search": search, "results": results, "step": "search"}
    if request.method == "GET":
        return render(request, "partners/partner_add.html", context)

    step = request.POST.get("step", "search")
    partner_ids = request.POST.getlist("partner")
    partner = None
    if len(partner_ids) == 1 and partner_ids[0].isdigit():
        partner = selectors.partner_directory().filter(organization_id=int(partner_ids[0])).first()
    if partner is None:
        context["error"] = _("Tick one partner in the search results.")
        return render(request, "partners/partner_add.html", context)
    existing = selectors.live_partnership_with(access, partner.organization)
    if existing is not None:
        if existing.status == Status.PENDING:
            error = _(
                "%(partner)s: an invitation is pending. See the Partner page to resend, delete or stop it."
            )
        else:
            error = _("%(partner)s: it has access. See the Partner page to resend, delete or stop it.")
        context["error"] = error % {"partner": partner.public_name}
        return render(request, "partners/partner_add.html", context)
    context.update(
        partner=partner,
        step="access",
        access_form=AccessChoiceForm(request.POST or None),
        access_options=access_options(),
        selected_access=request.POST.get("access", ""),
    )
    if step == "search":
        context["access_form"] = AccessChoiceForm()
        return render(request, "partners/partner_add.html", context)

    access_form = context["access_form"]
    if not access_form.is_valid():
        return render(request, "partners/partner_add.html", context)
    access_level = access_form.cleaned_data["access"]
    context.update(
        access_level=access_level,
        access_label=Access(access_level).label,
        access_description=ACCESS_DESCRIPTIONS[access_level],
        step="details",
        categories=selectors.products_by_category(access),
        payment_form=PaymentMethodForm(initial={"payment_method": PaymentMethod.CLIENT}),
        selected_products=[int(pk) for pk in request.POST.getlist("products") if pk.isdigit()],
        end_form=EndOfAccessForm(prefix="end"),
    )
    if step == "access":
        return render(request, "partners/partner_add.html", context)
    end_form = context["end_form"] = EndOfAccessForm(request.POST, prefix="end")
    if not end_form.is_valid():
        return render(request, "partners/partner_add.html", context)

    payment_method = PaymentMethod.PARTNER if access_level == Access.BILLING else PaymentMethod.CLIENT
    password_confirmed = False
    if access_level == Access.FULL:
        payment_form = PaymentMethodForm(request.POST)
        context["payment_form"] = payment_form
        if not payment_form.is_valid():
            return render(request, "partners/partner_add.html", context)
        payment_method = payment_form.cleaned_data["payment_method"]
    if access_level in services.NEEDS_PASSWORD:
        # Full access hands over the organization (and maybe the wallet), Technical orders on your bill: the
        # password first.
        asked = sudo_check(request)
        if asked is not None:
            return asked
        password_confirmed = True
    products = [
        p for _category, group in context["categories"] for p in group if p.pk in context["selected_products"]
    ]
    try:
        services.partnership_invite(
            access=access,
            partner=partner.organization,
            access_level=access_level,
            products=products,
            payment_method=payment_method,
            ends_at=end_form.ends_at(),
            password_confirmed=password_confirmed,
        )
    except ValidationError as error:
        if "ends_at" in getattr(error, "error_dict", {}):
            end_form.add_error("last_day", error.error_dict["ends_at"])
        context["error"] = _refusal_message(error)
        return render(request, "partners/partner_add.html", context)
    messages.success(
        request,
        _("Invitation sent to %(partner)s. You can resend or delete it until it is accepted.")
        % {"partner": partner.public_name},
    )
    return redirect("partners", org_id=access.organization.pk)


@organization_view(Permission.VIEW_PARTNERS)
def partner_detail(request, partnership_id):
    partnership = _partnership_or_404(request, partnership_id)
    if not _is_client_side(request, partnership):
        raise Http404("No such partner.")
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partnership": partnership,
            "can_manage": request.access.can(Permission.MANAGE_PARTNERS),
            "can_view_activity": request.access.can(Permission.VIEW_ACTIVITY),
            "running": partnership.status == Status.ACTIVE and not partnership.has_ended,
            "access_description": ACCESS_DESCRIPTIONS.get(partnership.access, ""),
        },
    )


@organization_view(Permission.MANAGE_PARTNERS)
@require_http_methods(["GET", "POST"])
def partner_end_edit(request, partnership_id):
    """The pencil of "Access until": extend or shorten the partner's access, or lift its end; extending Full
    access asks for the password."""
    partnership = _partnership_or_404(request, partnership_id)
    if not _is_client_side(request, partnership):
        raise Http404("No such partner.")
    form = EndOfAccessForm(request.POST or None, initial=EndOfAccessForm.initial_for(partnership.ends_at))
    if request.method == "POST" and form.is_valid():
        ends_at = form.ends_at()
        password_confirmed = False
        if partnership.access == Access.FULL and services._extends(partnership.ends_at, ends_at):
            asked = sudo_check(request)
            if asked is not None:
                return asked
            password_confirmed = True
        try:
            services.partnership_change_end(
                access=request.access,
                partnership=partnership,
                ends_at=ends_at,
                password_confirmed=password_confirmed,
            )
        except ValidationError as error:
            if "ends_at" in getattr(error, "error_dict", {}):
                form.add_error("last_day", error.error_dict["ends_at"])
            else:
                form.add_error(None, _refusal_message(error))
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("The end of access has been saved; %(partner)s was notified.")
                % {"partner": partnership.partner.name},
            )
            return redirect(
                "partner_detail", org_id=request.access.organization.pk, partnership_id=partnership.pk
            )
    return render(request, "partners/partner_end_edit.html", {"partnership": partnership, "form": form})


@organization_view(Permission.MANAGE_PARTNERS)
@require_http_methods(["GET", "POST"])
def partner_handover(request, partnership_id):
    """Hand over to another partner: what happens, then (password) a transfer code shown this once."""
    partnership = _partnership_or_404(request, partnership_id)
    if not _is_client_side(request, partnership):
        raise Http404("No such partner.")
    context = {"partnership": partnership, "valid_days": services.TRANSFER_CODE_DAYS}
    if request.method == "POST":
        asked = sudo_check(request)
        if asked is not None:
            return asked
        try:
            code, record = services.partnership_transfer_code_create(
                access=request.access, partnership=partnership, password_confirmed=True
            )
        except (ValidationError, PermissionDenied) as refusal:
            context["error"] = _refusal_message(refusal)
        else:
            context.update(code=code, record=record)
    response = render(request, "partners/partner_handover.html", context)
    response["Cache-Control"] = "no-store"  # the code is shown once
    return response


@organization_view(Permission.MANAGE_PARTNERS)
@require_POST
def partner_renewal_answer(request, partnership_id):
    """Accept (as asked) or refuse the partner's renewal request; renewing Full access asks for the
    password."""
    partnership = _partnership_or_404(request, partnership_id)
    if not _is_client_side(request, partnership):
        raise Http404("No such partner.")
    accept = request.POST.get("answer") == "accept"
    password_confirmed = False
    if accept and partnership.access == Access.FULL:
        asked = sudo_check(request)
        if asked is not None:
            return asked
        password_confirmed = True
    try:
        services.partnership_answer_renewal(
            access=request.access,
            partnership=partnership,
            accept=accept,
            password_confirmed=password_confirmed,
        )
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_message(refusal))
    else:
        if accept:
            messages.success(request, _("The access has been renewed."))
        else:
            messages.success(request, _("The renewal request has been refused."))
    return redirect("partner_detail", org_id=request.access.organization.pk, partnership_id=partnership.pk)


@organization_view(Permission.MANAGE_PARTNERS)
@require_http_methods(["GET", "POST"])
@sudo_required
def partner_payment_edit(request, partnership_id):
    """The pencil of the Payment section: who pays from now on, with what each choice means."""
    partnership = _partnership_or_404(request, partnership_id)
    if not _is_client_side(request, partnership):
        raise Http404("No such partner.")
    form = PaymentMethodForm(request.POST or None, initial={"payment_method": partnership.payment_method})
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_change_payment_method(
                access=request.access,
                partnership=partnership,
                payment_method=form.cleaned_data["payment_method"],
                password_confirmed=True,  # sudo_required
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The payment method has been saved; %(partner)s was notified.")
                % {"partner": partnership.partner.name},
            )
            return redirect(
                "partner_detail", org_id=request.access.organization.pk, partnership_id=partnership.pk
            )
    return render(request, "partners/partner_payment_edit.html", {"partnership": partnership, "form": form})


@organization_view(Permission.MANAGE_PARTNERS)
@require_http_methods(["GET", "POST"])
@sudo_required
def partner_access_edit(request, partnership_id):
    """The pencil of the Access section: what the partner may do from now on, each choice in plain words;
    the products for Limited access, who pays for Full access (Billing: the partner pays)."""
    access = request.access
    partnership = _partnership_or_404(request, partnership_id)
    if not _is_client_side(request, partnership) or partnership.status != Status.ACTIVE:
        raise Http404("No such partner.")
    access_form = AccessChoiceForm(request.POST or None, initial={"access": partnership.access})
    payment_form = PaymentMethodForm(
        request.POST or None, initial={"payment_method": partnership.payment_method}
    )
    categories = selectors.products_by_category(access)
    granted = set(partnership.products.values_list("pk", flat=True))
    error = None
    if request.method == "POST":
        chosen = {int(pk) for pk in request.POST.getlist("products") if pk.isdigit()}
        granted = chosen
        if access_form.is_valid():
            level = access_form.cleaned_data["access"]
            payment_method = None
            if level == Access.FULL and payment_form.is_valid():
                payment_method = payment_form.cleaned_data["payment_method"]
            elif level == Access.BILLING:
                payment_method = PaymentMethod.PARTNER
            try:
                services.partnership_change_access(
                    access=access,
                    partnership=partnership,
                    access_level=level,
                    products=[p for _category, group in categories for p in group if p.pk in chosen],
                    payment_method=payment_method,
                    password_confirmed=True,  # sudo_required
                )
            except (ValidationError, PermissionDenied) as refusal:
                error = _refusal_message(refusal)
            else:
                messages.success(
                    request,
                    _("%(partner)s now has %(access)s access; it was notified.")
                    % {"partner": partnership.partner.name, "access": Access(level).label},
                )
                return redirect(
                    "partner_detail", org_id=access.organization.pk, partnership_id=partnership.pk
                )
    return render(
        request,
        "partners/partner_access_edit.html",
        {
            "partnership": partnership,
            "access_form": access_form,
            "payment_form": payment_form,
            "access_options": access_options(),
            "selected_access": access_form["access"].value(),
            "categories": categories,
            "granted": granted,
            "error": error,
        },
    )


@organization_view(Permission.VIEW_DASHBOARD)
@require_POST
def partnership_resend(request, partnership_id):
    partnership = _partnership_or_404(request, partnership_id)
    try:
        services.partnership_resend(access=request.access, partnership=partnership)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_message(refusal))
    else:
        messages.success(
            request,
            _("The invitation has been sent again with a new link; the previous link no longer works."),
        )
    return _back(request, partnership)


@organization_view(Permission.VIEW_DASHBOARD)
@require_http_methods(["GET", "POST"])
def partnership_delete(request, partnership_id):
    """Delete the invitation (or the partner's request): a confirmation page first, then a POST that says
    `confirmed=yes`; a bare POST only shows the confirmation."""
    partnership = _partnership_or_404(request, partnership_id)
    client_side = _is_client_side(request, partnership)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            services.partnership_cancel(access=request.access, partnership=partnership)
        except (ValidationError, PermissionDenied) as refusal:
            messages.error(request, _refusal_message(refusal))
        else:
            messages.success(request, _("The invitation has been deleted."))
        return _back(request, partnership)
    try:
        services.require_sender(request.access, partnership)
        if partnership.status != Status.PENDING:
            raise ValidationError(services.no_longer_pending(partnership.status))
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_message(refusal))
        return _back(request, partnership)
    return render(
        request, "partners/partnership_delete.html", {"partnership": partnership, "client_side": client_side}
    )


@organization_view(Permission.VIEW_DASHBOARD)
@require_http_methods(["GET", "POST"])
def partnership_stop(request, partnership_id):
    """Stop Collaboration: a first confirmation, then the account password."""
    partnership = _partnership_or_404(request, partnership_id)
    client_side = _is_client_side(request, partnership)
    needed = Permission.MANAGE_PARTNERS if client_side else Permission.MANAGE_CLIENTS
    if not request.access.can(needed):
        raise PermissionDenied(_("Only a legal representative can stop a collaboration."))
    if partnership.status != Status.ACTIVE:
        messages.error(request, _("Only an active partnership can be stopped."))
        return _back(request, partnership)
    confirmed = request.method == "POST" and request.POST.get("confirmed") == "yes"
    form = StopForm(request.POST if confirmed and "password" in request.POST else None)
    # Within the password window the confirmation is enough; otherwise the password is asked.
    password_confirmed = confirmed and not form.is_bound and sudo_active(request)
    if form.is_bound and form.is_valid():
        refusal = sudo_refusal(request, form.cleaned_data["password"])
        if refusal:
            form.add_error("password", refusal)
        else:
            password_confirmed = True
    if password_confirmed:
        try:
            services.partnership_stop(access=request.access, partnership=partnership, password_confirmed=True)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            other = partnership.partner.name if client_side else partnership.client.name
            messages.success(
                request, _("The collaboration with %(other)s has been stopped.") % {"other": other}
            )
            return _back(request, partnership)
    return render(
        request,
        "partners/partnership_stop.html",
        {"partnership": partnership, "client_side": client_side, "confirmed": confirmed, "form": form},
    )


@organization_view(Permission.VIEW_DASHBOARD)
@require_http_methods(["GET", "POST"])
def partnership_answer(request, partnership_id):
    """Accept or refuse: the partner answers a client's invitation; the client answers a partner's request
    and may narrow it (Limited instead of Full, which products, keeping its wallet)."""
    access = request.access
    partnership = _partnership_or_404(request, partnership_id)
    client_side = _is_client_side(request, partnership)
    answering_side = (partnership.initiated_by == InitiatedBy.CLIENT) != client_side
    if not answering_side:
        raise Http404("This invitation is waiting for the other organization.")
    narrowing = client_side
    access_form = AccessChoiceForm(request.POST or None, initial={"access": partnership.access})
    payment_form = PaymentMethodForm(
        request.POST or None, initial={"payment_method": partnership.payment_method}
    )
    end_form = EndOfAccessForm(
        request.POST or None, prefix="end", initial=EndOfAccessForm.initial_for(partnership.ends_at)
    )
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "refuse":
                services.partnership_refuse(access=access, partnership=partnership)
                messages.success(request, _("The invitation has been refused."))
                return _back(request, partnership)
            if narrowing:
                access_form.is_valid()
                payment_form.is_valid()
                password_confirmed = False
                if access_form.cleaned_data.get("access", partnership.access) in services.NEEDS_PASSWORD:
                    asked = sudo_check(request)
                    if asked is not None:
                        return asked
                    password_confirmed = True
                categories = selectors.products_by_category(access)
                chosen = {int(pk) for pk in request.POST.getlist("products") if pk.isdigit()}
                if not end_form.is_valid():
                    raise ValidationError(
                        [message for messages_ in end_form.errors.values() for message in messages_]
                    )
                services.partnership_accept(
                    ends_at=end_form.ends_at(),
                    access=access,
                    partnership=partnership,
                    access_level=access_form.cleaned_data.get("access", partnership.access),
                    products=[p for _category, group in categories for p in group if p.pk in chosen],
                    payment_method=payment_form.cleaned_data.get("payment_method", PaymentMethod.CLIENT),
                    password_confirmed=password_confirmed,
                )
            else:
                services.partnership_accept(access=access, partnership=partnership)
        except (ValidationError, PermissionDenied) as refusal:
            error = _refusal_message(refusal)
        else:
            if client_side:
                messages.success(
                    request,
                    _("%(partner)s now manages your organization.") % {"partner": partnership.partner.name},
                )
                return redirect("partners", org_id=access.organization.pk)
            messages.success(request, _("You now manage %(client)s.") % {"client": partnership.client.name})
            return redirect("managed_clients", org_id=access.organization.pk)
    return render(
        request,
        "partners/partnership_answer.html",
        {
            "partnership": partnership,
            "client_side": client_side,
            "narrowing": narrowing,
            "access_form": access_form,
            "payment_form": payment_form,
            "end_form": end_form,
            "access_description": ACCESS_DESCRIPTIONS.get(partnership.access, ""),
            "access_options": access_options(
                allowed=GRANTABLE_FOR_REQUEST.get(partnership.access, ()),
                pays=partnership.payment_method == PaymentMethod.PARTNER,
            ),
            "selected_access": access_form["access"].value(),
            "categories": selectors.products_by_category(access) if narrowing else [],
            "error": error,
            "expired": partnership.status == Status.PENDING and services.is_stale(partnership),
        },
    )


# Partner side: Reseller Area


MANAGED_CLIENTS_PER_PAGE = 50
# The invitations received and the requests sent are listed above and below the table, the newest of each.
PENDING_SHOWN = 20
MANAGED_CLIENT_COLUMNS = (
    "client_id",
    "client_name",
    "access",
    "payment_method",
    "answered_at",
    "ends_at",
    "renewal_requested_at",
    "assigned_members_only",
    "client__name",
)
# The page's script counts ticked clients in the browser: it gets both forms of each count sentence, with
# "{count}" for the number, and picks one with Intl.PluralRules ("one" or "other": the forms of en, fr, de
# and it, which ngettext gives for 1 and for 2).
BROWSER_COUNT = {"counter": "{count}"}


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
def managed_clients(request):
    """The table of managed clients (search, filters, sort, pages, ticks) and the invitations waiting."""
    access = request.access
    received = list(selectors.pending_partnerships_of_partner(access)[: PENDING_SHOWN + 1])
    sent = list(selectors.pending_client_requests(access)[: PENDING_SHOWN + 1])
    form = ManagedClientFilterForm(request.GET)
    filters = form.filters()
    # Only the columns the table shows: the sort by name carries every matching row through it.
    clients = selectors.managed_clients(access, **filters).only(*MANAGED_CLIENT_COLUMNS)
    page = Paginator(clients, MANAGED_CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    open_url = row_url_format("dashboard", "org_id")
    stop_url = row_url_format("managed_client_stop", "partnership_id", org_id=access.organization.pk)
    renewal_url = row_url_format("managed_client_renewal", "partnership_id", org_id=access.organization.pk)
    timeline_url = row_url_format("partnership_timeline", "partnership_id", org_id=access.organization.pk)
    members_url = row_url_format("managed_client_members", "partnership_id", org_id=access.organization.pk)
    who_pays_url = row_url_format("managed_client_who_pays", "partnership_id", org_id=access.organization.pk)
    for partnership in page.object_list:
        partnership.members_url = members_url.format(partnership.pk)
        partnership.who_pays_url = who_pays_url.format(partnership.pk)
        partnership.open_url = open_url.format(partnership.client_id)
        partnership.stop_url = stop_url.format(partnership.pk)
        partnership.renewal_url = renewal_url.format(partnership.pk)
        partnership.timeline_url = timeline_url.format(partnership.pk)
    query = request.GET.copy()
    query.pop("page", None)
    expired = list(selectors.expired_client_requests(access)[:PENDING_SHOWN])
    return render(
        request,
        "partners/managed_clients.html",
        {
            "form": form,
            "page": page,
            "clients": page.object_list,
            "filtered": any(filters[name] for name in ("search", "access_level", "payment_method", "until")),
            "query": query.urlencode(),
            "sort": filters["ordering"],
            "received": received[:PENDING_SHOWN],
            "more_received": len(received) > PENDING_SHOWN,
            "sent": sent[:PENDING_SHOWN],
            "more_sent": len(sent) > PENDING_SHOWN,
            "expired": expired,
            "expired_shown_days": selectors.EXPIRED_SHOWN_DAYS,
            "can_answer": access.can(Permission.ANSWER_INVITATIONS),
            "can_manage": access.can(Permission.MANAGE_CLIENTS),
            "can_view_activity": access.can(Permission.VIEW_ACTIVITY),
            "script_texts": _managed_clients_script_texts(page.paginator.count),
        },
    )


def _managed_clients_script_texts(total: int) -> dict:
    """The sentences the Managed Clients script writes, in the active language."""
    return {
        "selected": [
            ngettext("%(counter)s client selected", "%(counter)s clients selected", n) % BROWSER_COUNT
            for n in (1, 2)
        ],
        "ticked": [
            ngettext("%(counter)s ticked client", "%(counter)s ticked clients", n) % BROWSER_COUNT
            for n in (1, 2)
        ],
        "allMatchingSelected": ngettext(
            "All %(counter)s matching client selected", "All %(counter)s matching clients selected", total
        )
        % {"counter": total},
        "allMatching": ngettext(
            "All %(counter)s client matching the table's filters",
            "All %(counter)s clients matching the table's filters",
            total,
        )
        % {"counter": total},
        "allClients": _("All your managed clients"),
    }


@organization_view(Permission.MANAGE_CLIENTS)
@require_http_methods(["GET", "POST"])
def client_request(request):
    """Add a client: ask a client's legal representative for access."""
    form = ClientRequestForm(request.POST or None)
    end_form = EndOfAccessForm(request.POST or None, prefix="end")
    if request.method == "POST" and form.is_valid() and end_form.is_valid():
        try:
            services.partnership_request(
                access=request.access,
                client_email=form.cleaned_data["client_email"],
                access_level=form.cleaned_data["access"],
                # Only Full and Billing access let the partner pay; the choice is ignored otherwise.
                payment_method=form.cleaned_data["payment_method"]
                if form.cleaned_data["access"] in PARTNER_MAY_PAY
                else PaymentMethod.CLIENT,
                ends_at=end_form.ends_at() if end_form.is_valid() else None,
            )
        except ValidationError as error:
            if "ends_at" in getattr(error, "error_dict", {}):
                end_form.add_error("last_day", error.error_dict.pop("ends_at"))
            apply_service_errors(form, error)
        else:
            # The same words for every address: the page must not tell who is a legal representative.
            messages.success(request, services.CLIENT_REQUEST_SENT)
            return redirect("managed_clients", org_id=request.access.organization.pk)
    return render(request, "partners/client_request.html", {"form": form, "end_form": end_form})


BULK_SHOWN = 50


def _bulk_partnerships(access, form: BulkActionForm):
    """The partnerships a bulk action applies to, in name order (the caller's own only)."""
    partnerships = selectors.managed_partnerships(
        access.organization, **(form.filters() if form.cleaned_data["scope"] == "matching" else {})
    )
    if form.cleaned_data["scope"] == "selected":
        partnerships = partnerships.filter(client_id__in=form.client_ids())
    return partnerships.select_related("client").order_by("client_name", "client_id")


@organization_view(Permission.MANAGE_CLIENTS)
@require_POST
def managed_clients_bulk(request):
    """Bulk actions of Managed Clients on the ticked clients or every client matching the filters: Stop
    Collaboration (a summary, then one password), ask for a renewal (a summary and the end asked); then the
    run goes on in the background, its page showing the progress and a result per client."""
    access = request.access
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick clients in the table first."))
        return redirect("managed_clients", org_id=access.organization.pk)
    action = form.cleaned_data["action"]
    partnerships = list(_bulk_partnerships(access, form)[: services.BULK_MAX + 1])
    if not partnerships:
        messages.error(request, _("No client matches: nothing was done."))
        return redirect("managed_clients", org_id=access.organization.pk)
    if len(partnerships) > services.BULK_MAX:
        messages.error(
            request,
            _("Choose at most %(count)s clients at a time: narrow the filters or tick fewer clients.")
            % {"count": services.BULK_MAX},
        )
        return redirect("managed_clients", org_id=access.organization.pk)
    confirmed = request.POST.get("confirmed") == "yes"
    password_form = StopForm(request.POST if confirmed and action == "stop" else None)
    end_form = EndOfAccessForm(
        request.POST if confirmed and action == "renewal" else None, prefix="end", initial={"limit": "until"}
    )
    run = None
    try:
        if confirmed and action == "stop":
            password_confirmed = sudo_active(request) and "password" not in request.POST
            if not password_confirmed and password_form.is_valid():
                refusal = sudo_refusal(request, password_form.cleaned_data["password"])
                if refusal:
                    password_form.add_error("password", refusal)
                else:
                    password_confirmed = True
            if password_confirmed:
                run = services.bulk_run_start(
                    access=access, action=action, partnerships=partnerships, password_confirmed=True
                )
        elif confirmed and action == "renewal" and end_form.is_valid():
            run = services.bulk_run_start(
                access=access, action=action, partnerships=partnerships, until=end_form.ends_at()
            )
    except ValidationError as error:
        if "until" in getattr(error, "error_dict", {}):
            end_form.add_error("last_day", error.error_dict.pop("until"))
        else:
            messages.error(request, " ".join(error.messages))
    if run is not None:
        return redirect("managed_clients_bulk_run", org_id=access.organization.pk, run_id=run.pk)
    context = {
        "action": action,
        "form": form,
        "partnerships": partnerships[:BULK_SHOWN],
        "count": len(partnerships),
        "more": max(0, len(partnerships) - BULK_SHOWN),
        "client_ids": form.client_ids() if form.cleaned_data["scope"] == "selected" else [],
        "password_form": password_form,
        "end_form": end_form,
        "ask_password": not sudo_active(request),
    }
    return render(request, "partners/managed_clients_bulk.html", context)


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
def managed_clients_bulk_run(request, run_id):
    """A bulk action carried out in the background: how far it got, refreshed while it runs (the page's
    progress region and title alone, for the refresh), then the result per client."""
    access = request.access
    # Only the organization's own runs (the decorator lets in only those who see its managed clients).
    run = BulkRun.objects.filter(pk=run_id, organization=access.organization).first()
    if run is None:
        raise Http404("No such bulk action.")
    items = list(run.items.order_by("client_name", "pk"))
    counts = Counter(item.outcome for item in items)
    context = {
        "run": run,
        "items": items,
        "count": len(items),
        "processed": len(items) - counts[BulkOutcome.PENDING],
        "done": counts[BulkOutcome.DONE],
    }
    template = "partners/managed_clients_bulk_run.html"
    if request.headers.get("HX-Request") == "true":
        template += "#run_refresh"
    return render(request, template, context)


@organization_view(Permission.MANAGE_CLIENTS)
@require_POST
def client_requests_resend(request):
    """Send again every request still waiting for an answer ("Resend every request")."""
    try:
        count = services.client_requests_resend_all(access=request.access)
    except PermissionDenied as refusal:
        messages.error(request, _refusal_message(refusal))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s request has been sent again with a new link.",
                "%(count)s requests have been sent again with new links.",
                count,
            )
            % {"count": count},
        )
    return redirect("managed_clients", org_id=request.access.organization.pk)


@organization_view(Permission.MANAGE_CLIENTS)
@require_http_methods(["GET", "POST"])
def client_handover(request):
    """Take over a client from another partner with the transfer code the client gave."""
    form = TransferCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_handover_accept(
                access=request.access, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("You now manage %(client)s, with the access it gave its previous partner.")
                % {"client": partnership.client.name},
            )
            return redirect("managed_clients", org_id=request.access.organization.pk)
    return render(request, "partners/client_handover.html", {"form": form})


@organization_view(Permission.MANAGE_CLIENTS)
@require_http_methods(["GET", "POST"])
def client_renewal_request(request, partnership_id):
    """Ask the client to let a time-limited access go on: until a new last day, or with no end."""
    partnership = _partnership_or_404(request, partnership_id)
    if _is_client_side(request, partnership):
        raise Http404("No such client.")
    form = EndOfAccessForm(request.POST or None, initial={"limit": "until"})
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_request_renewal(
                access=request.access, partnership=partnership, until=form.ends_at()
            )
        except ValidationError as error:
            if "until" in getattr(error, "error_dict", {}):
                form.add_error("last_day", error.error_dict["until"])
            else:
                form.add_error(None, _refusal_message(error))
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("Your renewal request was sent to %(client)s.") % {"client": partnership.client.name},
            )
            return redirect("managed_clients", org_id=request.access.organization.pk)
    return render(request, "partners/client_renewal_request.html", {"partnership": partnership, "form": form})


@organization_view(Permission.MANAGE_CLIENTS)
@require_http_methods(["GET", "POST"])
def client_members(request, partnership_id):
    """Assigned members: who of the partner's people act for one client (every member, or the legal
    representatives and the members and teams ticked)."""
    partnership = _partnership_or_404(request, partnership_id)
    if _is_client_side(request, partnership) or partnership.status != Status.ACTIVE or partnership.has_ended:
        raise Http404("No such client.")
    assignable = selectors.assignable_members(request.access)
    teams = selectors.partner_teams(request.access)
    form = ClientAssignmentForm(
        request.POST or None,
        assignable=assignable,
        teams=teams,
        initial={
            "who": "assigned" if partnership.assigned_members_only else "all",
            "members": list(partnership.assignments.values_list("membership_id", flat=True)),
            "teams": list(partnership.assigned_teams.values_list("pk", flat=True)),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_assign_members(
                access=request.access,
                partnership=partnership,
                members_only=form.cleaned_data["who"] == "assigned",
                membership_ids=[membership.pk for membership in form.cleaned_data["members"]],
                team_ids=[team.pk for team in form.cleaned_data["teams"]],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("Saved: the people who act for %(client)s have changed.")
                % {"client": partnership.client.name},
            )
            return redirect("managed_clients", org_id=request.access.organization.pk)
    return render(
        request,
        "partners/client_members.html",
        {
            "partnership": partnership,
            "form": form,
            "has_assignable": assignable.exists(),
            "has_teams": teams.exists(),
        },
    )


@organization_view(Permission.MANAGE_CLIENTS)
def teams(request):
    """Reseller Area → Teams: groups of the partner's members, assigned to clients together."""
    return render(request, "partners/teams.html", {"teams": selectors.partner_teams(request.access)})


@organization_view(Permission.MANAGE_CLIENTS)
@require_http_methods(["GET", "POST"])
def team_edit(request, team_id=None):
    """Create a team, or change its name and members."""
    team = None
    if team_id is not None:
        team = selectors.team_for(request.access, team_id)
        if team is None:
            raise Http404("No such team.")
    form = PartnerTeamForm(
        request.POST or None,
        members=selectors.team_members_choices(request.access),
        initial={"name": team.name, "members": [member.pk for member in team.members.all()]} if team else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.partner_team_save(
                access=request.access,
                team=team,
                name=form.cleaned_data["name"],
                membership_ids=[membership.pk for membership in form.cleaned_data["members"]],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The team %(name)s has been saved.") % {"name": saved.name})
            return redirect("teams", org_id=request.access.organization.pk)
    return render(request, "partners/team_edit.html", {"team": team, "form": form})


@organization_view(Permission.MANAGE_CLIENTS)
@require_http_methods(["GET", "POST"])
def team_delete(request, team_id):
    """Delete a team: a confirmation page first, then a POST that says `confirmed=yes`."""
    team = selectors.team_for(request.access, team_id)
    if team is None:
        raise Http404("No such team.")
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        services.partner_team_delete(access=request.access, team=team)
        messages.success(request, _("The team %(name)s has been deleted.") % {"name": team.name})
        return redirect("teams", org_id=request.access.organization.pk)
    return render(request, "partners/team_delete.html", {"team": team})


def _client_request_or_404(request, request_id) -> ClientRequest:
    client_request = selectors.client_request_for(request.access, request_id)
    if client_request is None:
        raise Http404("No such request.")
    return client_request


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
@require_POST
def client_request_resend(request, request_id):
    """Send the partner's request again with a new link."""
    client_request = _client_request_or_404(request, request_id)
    try:
        services.client_request_resend(access=request.access, client_request=client_request)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_message(refusal))
    else:
        messages.success(
            request, _("The request has been sent again with a new link; the previous link no longer works.")
        )
    return redirect("managed_clients", org_id=request.access.organization.pk)


@organization_view(Permission.VIEW_MANAGED_CLIENTS)
@require_http_methods(["GET", "POST"])
def client_request_delete(request, request_id):
    """Delete the partner's request: a confirmation page first, then a POST that says `confirmed=yes`."""
    client_request = _client_request_or_404(request, request_id)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            services.client_request_cancel(access=request.access, client_request=client_request)
        except (ValidationError, PermissionDenied) as refusal:
            messages.error(request, _refusal_message(refusal))
        else:
            messages.success(request, _("The request has been deleted."))
        return redirect("managed_clients", org_id=request.access.organization.pk)
    try:
        services.require_request_sender(request.access, client_request)
        services.require_request_pending(client_request)
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal_message(refusal))
        return redirect("managed_clients", org_id=request.access.organization.pk)
    return render(request, "partners/client_request_delete.html", {"client_request": client_request})


# The link in the invitation email


@login_required
def invitation_link(request, token):
    """Check the signed link, then open the answer page in the organization that must answer."""
    read = read_invitation_token(token)
    partnership = None
    if read.partnership_id is not None:
        partnership = (
            Partnership.objects.select_related("client", "partner").filter(pk=read.partnership_id).first()
        )
    if partnership is None or partnership.invitation_nonce != read.nonce:
        problem = read.problem or ("replaced" if partnership is not None else "invalid")
        return render(request, "partners/invitation_link.html", {"problem": problem}, status=400)
    if partnership.status != Status.PENDING:
        return render(
            request, "partners/invitation_link.html", {"problem": "answered", "partnership": partnership}
        )
    answering = partnership.partner if partnership.initiated_by == InitiatedBy.CLIENT else partnership.client
    access = resolve_access(request.user, answering)
    needed = (
        Permission.ANSWER_INVITATIONS
        if answering.pk == partnership.partner_id
        else Permission.MANAGE_PARTNERS
    )
    if access is None or not access.can(needed):
        return render(
            request,
            "partners/invitation_link.html",
            {"problem": "wrong_account", "partnership": partnership, "answering": answering},
            status=403,
        )
    name = "invitation_answer" if answering.pk == partnership.partner_id else "partnership_answer"
    return redirect(reverse(name, kwargs={"org_id": answering.pk, "partnership_id": partnership.pk}))
