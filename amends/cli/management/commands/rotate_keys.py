from typing import Any

from django.core.management.base import BaseCommand

from amends.members.services import customers_reencrypt
from amends.notifications.services import outbox_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data with the first key of AMENDS_FIELD_KEYS. Put the new key first, "
        "keep the old ones after it, run this, then remove the old keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        customers = customers_reencrypt()
        addresses = outbox_reencrypt()
        self.stdout.write(f"re-encrypted {customers} customers and {addresses} outbox addresses")
