"""Django admin for the simulated mailbox (the emails the console sent while no SMTP server is set) and the
background work (the queue, its workers, the periodic jobs' runs)."""

from django.contrib import admin
from django.utils.translation import pgettext_lazy
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from console.models import MailboxMessage, ScheduledRun, WorkerHeartbeat
from console.queue import queue_summary
from core.admin import ReadOnlyAdmin


@admin.register(MailboxMessage)
class MailboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "subject", "addressed_to", "from_email")
    search_fields = ("subject", "recipients", "body")
    date_hierarchy = "sent_at"
    fields = ("sent_at", "from_email", "addressed_to", "subject", "body")
    readonly_fields = fields

    @admin.display(description=pgettext_lazy("the recipients of an email", "to"))
    def addressed_to(self, obj):
        return ", ".join(obj.to)


# Background work: the queue (django-tasks-db's task results) with its depth, the workers and scheduled runs.


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class QueuedTaskAdmin(DBTaskResultAdmin):
    """The task results, read-only as django-tasks-db shows them, under the depth of the queue."""

    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"queue": queue_summary(), **(extra_context or {})})


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("hostname", "pid", "worker_id", "started_at", "seen_at")


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ("job", "period_start", "enqueued_at", "worker_id")
    list_filter = ("job",)
