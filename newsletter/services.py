"""Mailing lists and subscribers of a Newsletter product; each change checks the access and is audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from newsletter.models import MailingList, Subscriber
from organizations.access import Access, Permission
from organizations.models import Product


def _require_manage(access: Access) -> None:
    if not access.can(Permission.MANAGE_PRODUCTS):
        raise PermissionDenied(
            _("Your role (%(role)s) does not allow you to manage this product.") % {"role": access.role_label}
        )


def _audit(access: Access, action: str, target, changes: dict | None = None) -> None:
    audit_record(
        actor=access.user,
        organization=access.organization,
        on_behalf_of=access.on_behalf_of,
        action=action,
        target=target,
        changes=changes,
    )


@transaction.atomic
def mailing_list_create(*, access: Access, product: Product, name: str) -> MailingList:
    _require_manage(access)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the mailing list a name.")})
    if MailingList.objects.filter(product=product, name=name).exists():
        raise ValidationError({"name": _("This product already has a mailing list with this name.")})
    mailing_list = MailingList.objects.create(product=product, name=name)
    _audit(access, "mailing_list.created", mailing_list, {"product": product.name})
    return mailing_list


@transaction.atomic
def mailing_list_delete(*, access: Access, mailing_list: MailingList) -> None:
    _require_manage(access)
    _audit(access, "mailing_list.deleted", mailing_list, {"subscribers": mailing_list.subscribers.count()})
    mailing_list.delete()


@transaction.atomic
def subscriber_add(*, access: Access, mailing_list: MailingList, email: str, name: str = "") -> Subscriber:
    _require_manage(access)
    email = (email or "").strip()
    if Subscriber.objects.filter(mailing_list=mailing_list, email__iexact=email).exists():
        raise ValidationError({"email": _("This address is already subscribed to the list.")})
    subscriber = Subscriber.objects.create(mailing_list=mailing_list, email=email, name=(name or "").strip())
    _audit(access, "subscriber.added", subscriber, {"mailing_list": mailing_list.name})
    return subscriber


@transaction.atomic
def subscriber_remove(*, access: Access, subscriber: Subscriber) -> None:
    _require_manage(access)
    _audit(access, "subscriber.removed", subscriber, {"mailing_list": subscriber.mailing_list.name})
    subscriber.delete()
