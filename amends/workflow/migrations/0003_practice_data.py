"""Existing companies get what new ones get from `workflow_install_defaults` since issue 13:
the front desk may approve remedies up to ¥100 (it was 0), privacy complaints route to the
privacy officer, and gyms count important and general deadlines in opening hours."""

from decimal import Decimal

from django.db import migrations


def forwards(apps, schema_editor):
    authority = apps.get_model("workflow", "AuthorityLimit")
    rule = apps.get_model("workflow", "RoutingRule")
    category = apps.get_model("workflow", "Category")
    sla = apps.get_model("workflow", "SlaPolicy")
    authority.objects.filter(role="front_desk", limit=Decimal("0")).update(limit=Decimal("100"))
    for privacy in category.objects.filter(code="privacy_data"):
        if not rule.objects.filter(company_id=privacy.company_id, category=privacy).exists():
            rule.objects.create(
                company_id=privacy.company_id,
                category=privacy,
                department_code="customer_service",
                role="privacy_officer",
                position=65,
            )
    sla.objects.filter(
        venue__kind="gym", severity__in=["important", "general"], mode="clock"
    ).update(mode="business")


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_practice"), ("orgs", "0003_practice")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
