"""The audit log is append-only and records who did what, from where."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from core.audit import audit_record, current_ip_address
from core.middleware import AuditContextMiddleware
from core.models import AuditEvent
from organizations import services
from organizations.models import Theme, User


def _record_view(request):
    event = audit_record(actor=None, organization=None, action="test.probe")
    return HttpResponse(str(event.pk))


# Lets the test client go through the project's whole middleware stack to a view that writes an event.
urlpatterns = [path("audit-probe/", _record_view)]


@pytest.fixture
def event(organization, legal_representative):
    return audit_record(
        actor=legal_representative,
        organization=organization,
        action="organization.updated",
        target=organization,
        changes={"name": ["Old", "New"]},
    )


def test_an_event_records_actor_organization_target_and_changes(organization, legal_representative, event):
    event.refresh_from_db()

    assert event.actor == legal_representative
    assert event.actor_email == "legal@helvetia.example"
    assert event.organization == organization
    assert event.action == "organization.updated"
    assert (event.target_type, event.target_id, event.target_repr) == (
        "organization",
        str(organization.pk),
        "Helvetia Web AG",
    )
    assert event.changes == {"name": ["Old", "New"]}
    assert event.created_at is not None


def test_an_event_without_actor_or_target_is_a_system_event(db):
    event = audit_record(actor=None, organization=None, action="tokens.idle_swept")

    assert event.actor is None
    assert event.actor_email == ""
    assert (event.target_type, event.target_id, event.target_repr) == ("", "", "")
    assert event.changes == {}


# Append-only


def test_a_saved_event_cannot_be_saved_again(event):
    event.action = "something.else"

    with pytest.raises(PermissionError):
        event.save()

    assert AuditEvent.objects.get(pk=event.pk).action == "organization.updated"


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_updated_through_a_queryset(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="something.else")
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(changes={})

    assert AuditEvent.objects.get(pk=event.pk).action == "organization.updated"


def test_events_cannot_be_deleted_through_a_queryset(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_bulk_updated(event):
    event.action = "something.else"

    # bulk_update runs in a transaction of its own; the refusal must not break the surrounding one.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])

    assert AuditEvent.objects.get(pk=event.pk).action == "organization.updated"


# Who and from where


def test_the_actor_email_is_kept_when_the_user_is_deleted(legal_representative, event):
    User.objects.filter(pk=legal_representative.pk).delete()

    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_email == "legal@helvetia.example"
    assert event.action == "organization.updated"


def test_the_ip_address_comes_from_the_request_context(organization, legal_representative):
    token = current_ip_address.set("203.0.113.7")
    try:
        event = audit_record(actor=legal_representative, organization=organization, action="probe")
    finally:
        current_ip_address.reset(token)

    event.refresh_from_db()
    assert event.ip_address == "203.0.113.7"


def test_an_ipv6_address_is_recorded(organization, legal_representative):
    token = current_ip_address.set("2001:db8::1")
    try:
        event = audit_record(actor=legal_representative, organization=organization, action="probe")
    finally:
        current_ip_address.reset(token)

    event.refresh_from_db()
    assert event.ip_address == "2001:db8::1"


def test_outside_a_request_no_ip_address_is_recorded(organization, legal_representative):
    event = audit_record(actor=legal_representative, organization=organization, action="probe")

    assert event.ip_address is None


def test_a_service_called_during_a_request_records_the_client_s_ip_address(plain_user):
    def view(request):
        services.user_set_theme(user=plain_user, theme=Theme.DARK)
        return HttpResponse()

    request = RequestFactory().post("/theme/", REMOTE_ADDR="198.51.100.23")

    AuditContextMiddleware(view)(request)

    event = AuditEvent.objects.get(action="user.theme_changed")
    assert event.ip_address == "198.51.100.23"
    assert current_ip_address.get() is None, "the address must not leak into the next request"


def test_the_ip_address_is_reset_even_when_the_view_fails(db):
    def view(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        AuditContextMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="198.51.100.23"))

    assert current_ip_address.get() is None


@pytest.mark.urls("tests.core.test_audit")
def test_the_project_middleware_records_the_ip_address_of_a_request(db, client):
    response = client.get("/audit-probe/", REMOTE_ADDR="192.0.2.44")

    assert response.status_code == 200
    event = AuditEvent.objects.get(pk=int(response.content))
    assert event.ip_address == "192.0.2.44"
    assert current_ip_address.get() is None
