"""The audit log moved from the compliance app to core: a database migrated from before the move keeps its
events, readable through the new model, and writes new ones to the same table."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.audit import audit_record
from core.models import AuditEvent

BEFORE_THE_MOVE = ("compliance", "0004_dpacertificate_cookieconsent")


def migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()  # what was applied
    return executor


def test_an_event_written_before_the_move_is_read_through_the_core_model(transactional_db):
    executor = migrate(("core", None))  # core's migration and what depends on it: compliance 0005
    old = executor.loader.project_state(BEFORE_THE_MOVE).apps
    organization = old.get_model("organizations", "Organization").objects.create(
        name="Before AG", country="CH", currency="CHF"
    )
    old_event = old.get_model("compliance", "AuditEvent").objects.create(
        organization=organization, action="legacy.event", changes={"name": ["A", "B"]}
    )
    assert old.get_model("compliance", "AuditEvent")._meta.db_table == AuditEvent._meta.db_table

    migrate(*MigrationExecutor(connection).loader.graph.leaf_nodes())

    event = AuditEvent.objects.get(pk=old_event.pk)
    assert (event.action, event.organization.name, event.changes) == (
        "legacy.event",
        "Before AG",
        {"name": ["A", "B"]},
    )
    new_event = audit_record(actor=None, organization=event.organization, action="after.move")
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)) == [event.pk, new_event.pk]


def test_the_content_type_follows_the_model_so_staff_permissions_do(transactional_db):
    migrate(("core", None))
    ContentType.objects.clear_cache()
    ContentType.objects.filter(model="auditevent").delete()
    legacy = ContentType.objects.create(app_label="compliance", model="auditevent")

    migrate(*MigrationExecutor(connection).loader.graph.leaf_nodes())

    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(AuditEvent).pk == legacy.pk
