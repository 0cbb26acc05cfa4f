"""Requests partners sent before each request was kept as typed: the migration lists each to its partner by
its client's legal representative's address, with its dates, so none vanishes from the partner's pages."""

from datetime import UTC, datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from organizations.models import Role
from partners.models import ClientRequest
from tests.factories import OrganizationFactory, member

BEFORE = ("partners", "0002_client_name_for_listing")
AFTER = ("partners", "0003_client_requests_as_the_partner_typed_them")
SENT_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def test_each_request_sent_before_becomes_a_request_as_typed(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state(BEFORE).apps
    # The other apps stay migrated: their rows are made with today's models.
    partner = OrganizationFactory(name="Léman Digital SA")
    client = OrganizationFactory(name="Helvetia Web AG")
    member(client, Role.LEGAL_REPRESENTATIVE, email="Legal@Helvetia.example")
    Partnership = old.get_model("partners", "Partnership")
    sent = Partnership.objects.create(
        client_id=client.pk,
        partner_id=partner.pk,
        client_name=client.name,
        access="full",
        status="pending",
        initiated_by="partner",
        invitation_nonce="n",
        invitation_sent_at=SENT_AT,
    )
    Partnership.objects.create(  # an invitation the client sent: no request of the partner's
        client_id=client.pk, partner_id=partner.pk, client_name=client.name,
        access="limited", status="refused", initiated_by="client", invitation_nonce="m",
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    [request] = ClientRequest.objects.all()
    assert (request.partner_id, request.partnership_id, request.client_email) == (
        partner.pk,
        sent.pk,
        "legal@helvetia.example",
    )
    assert (request.access, request.sent_at, request.cancelled_at) == ("full", SENT_AT, None)
