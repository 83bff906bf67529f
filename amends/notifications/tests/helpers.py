"""What the delivery tests share: their moment, a delivery run at a time, a webhook
subscription on the test receiver."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from amends.core import clock
from amends.notifications.delivery import deliver_due
from amends.notifications.models import WebhookSubscription
from amends.notifications.tests.receiver import Receiver
from amends.notifications.webhooks import webhook_subscription_create

WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SECRET = "s3cret-of-the-crm-integration-0123456789"


def run(at: Any) -> dict[str, int]:
    """One delivery run at `at`: what became of the rows it claimed."""
    with clock.travel(at):
        return deliver_due(clock.now())


def subscribe(cast: Any, receiver: Receiver, **fields: Any) -> WebhookSubscription:
    """The company's CRM subscribed at the receiver's /hooks/amends (fields override)."""
    values: dict[str, Any] = {
        "company_id": cast.company.pk,
        "name": "CRM",
        "url": f"{receiver.url}/hooks/amends",
        "secret": SECRET,
    }
    values.update(fields)
    with clock.travel(WHEN):
        subscription, _secret = webhook_subscription_create(**values)
    return subscription
