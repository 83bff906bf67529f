from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    """One run of a registered job (`amends.core.jobs`), wherever it ran: in-process by
    `amends serve` or `amends tick` ("inline"), or by a Celery worker ("celery").

    Written only by `jobs.run()`: a row is created when the run starts and completed when it ends,
    so a row with `ok` unset is a run in progress (or one whose process died). `counts` holds what
    the job reports it did (`{"reminders": 2}`); `summary` is the same in words, or the error.
    Bounded: the `core.prune_job_runs` job deletes runs older than 30 days.
    Times are wall-clock times of the machine that ran the job, not `clock.now()`.
    """

    class Where(models.TextChoices):
        INLINE = "inline", "inline"
        CELERY = "celery", "celery"

    name = models.CharField(max_length=100)
    where = models.CharField(max_length=10, choices=Where.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    counts = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ("-started_at", "-pk")
        indexes = [
            models.Index(fields=["name", "-started_at"], name="core_jobrun_name_started"),
            models.Index(fields=["started_at"], name="core_jobrun_started"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.started_at:%Y-%m-%d %H:%M:%S} ({self.where})"
