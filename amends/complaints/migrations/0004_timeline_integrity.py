"""The authenticated head of each timeline, and the checkpoint log (complaints/integrity.py).

Existing complaints are sealed here from their current events, so a database that verified clean
before verifies clean after. The sealed fields are frozen below as they stand in this migration:
when `integrity.SEALED_FIELDS` changes, a later migration reseals with the new list.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

SEALED_FIELDS = (
    "reference",
    "company_id",
    "venue_id",
    "customer_id",
    "state",
    "version",
    "channel",
    "received_by_id",
    "received_at",
    "description",
    "customer_request",
    "category_id",
    "severity",
    "department_id",
    "owner_id",
    "assignee_id",
    "respond_due",
    "resolve_due",
    "stage",
    "stage_due",
    "responded_at",
    "resolved_at",
    "closed_at",
    "paused_at",
    "escalation_level",
    "extension_count",
    "reopen_count",
    "merged_into_id",
    "retention_until",
    "legal_hold",
    "anonymised_at",
)


def seal_existing(apps, schema_editor):
    from amends.complaints.integrity import seal_digest

    complaint = apps.get_model("complaints", "Complaint")
    event = apps.get_model("complaints", "ComplaintEvent")
    last = event.objects.filter(complaint_id=OuterRef("pk")).order_by("-seq")
    rows = complaint.objects.annotate(
        last_seq=Subquery(last.values("seq")[:1]), last_hash=Subquery(last.values("hash")[:1])
    ).order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=1000):
        row.head_seq, row.head_hash = row.last_seq or 0, row.last_hash or ""
        row.seal = seal_digest(
            pk=row.pk,
            values={name: getattr(row, name) for name in SEALED_FIELDS},
            head_seq=row.head_seq,
            head_hash=row.head_hash,
        )
        batch.append(row)
        if len(batch) >= 1000:
            complaint.objects.bulk_update(batch, ["head_seq", "head_hash", "seal"])
            batch = []
    complaint.objects.bulk_update(batch, ["head_seq", "head_hash", "seal"])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_principals"),
    ]

    operations = [
        migrations.CreateModel(
            name="TimelineCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveIntegerField(unique=True)),
                ("at", models.DateTimeField()),
                ("count", models.PositiveIntegerField(default=0)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "timeline checkpoint",
                "verbose_name_plural": "timeline checkpoints",
                "ordering": ["-seq"],
            },
        ),
        migrations.AddField(
            model_name="complaint",
            name="head_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="complaint",
            name="head_seq",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="complaint",
            name="seal",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name="TimelineCheckpointEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("complaint_id", models.BigIntegerField()),
                ("reference", models.CharField(max_length=40)),
                ("head_seq", models.PositiveIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                (
                    "checkpoint",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="complaints.timelinecheckpoint",
                    ),
                ),
            ],
            options={
                "verbose_name": "timeline checkpoint entry",
                "verbose_name_plural": "timeline checkpoint entries",
                "ordering": ["checkpoint", "complaint_id"],
                "indexes": [
                    models.Index(
                        fields=["complaint_id", "-checkpoint"], name="checkpoint_entry_latest"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("checkpoint", "complaint_id"),
                        name="checkpoint_entry_per_complaint",
                    )
                ],
            },
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=True),
    ]
