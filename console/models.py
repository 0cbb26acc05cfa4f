from django.db import models
from django.utils import timezone


class MailboxMessage(models.Model):
    """An email the console sent while no SMTP server is configured, readable on the mailbox page."""

    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_email = models.CharField(max_length=254)
    # ",a@example.com,b@example.com," so one address is found with a plain substring match on any database.
    recipients = models.TextField()
    subject = models.CharField(max_length=998)
    body = models.TextField()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def to(self) -> list[str]:
        return [address for address in self.recipients.split(",") if address]

    @classmethod
    def recipients_value(cls, addresses) -> str:
        return "," + ",".join(address.strip().lower() for address in addresses) + ","


class WorkerHeartbeat(models.Model):
    """A background worker process (`manage.py run_worker`), and when it last showed it was alive."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="When it stopped of its own accord.")

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.hostname} (pid {self.pid})"


class ScheduledRun(models.Model):
    """One run of a periodic job, enqueued for its period by whichever worker found it due first."""

    job = models.CharField(max_length=50)
    period_start = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-period_start", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="one_run_per_job_and_period")
        ]

    def __str__(self):
        return f"{self.job} at {self.period_start:%Y-%m-%d %H:%M}"
