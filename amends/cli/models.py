from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BenchCeilingRow(models.Model):
    """One row written by the bare insert view of `amends bench intake` (bench mode only: the
    view is mounted when the server runs with AMENDS_BENCH=1). It measures what one insert
    through Django costs on this stack — the ceiling intake is compared with — in a table of its
    own, so it never touches the complaints; the bench deletes its rows when the run ends."""

    created_at = models.DateTimeField(_("created at"))
    note = models.CharField(_("note"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("bench ceiling row")

    def __str__(self) -> str:
        return f"{self.pk} {self.created_at:%Y-%m-%d %H:%M:%S}"
