"""The inbound email jobs (see `amends.core.jobs`): both idempotent and safe to run twice at
once (the unique Message-ID stores a message once; a claimed row is processed once)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from amends.core.jobs import job
from amends.inbound import services


@job(
    "inbound.poll_mailboxes",
    every=timedelta(seconds=settings.AMENDS_MAIL_POLL_SECONDS),
    description="Fetch new email from every active IMAP mailbox and store each message once.",
)
def poll_mailboxes(*, now: datetime) -> dict[str, int]:
    return {"stored": services.mailboxes_poll()}


@job(
    "inbound.process_pending",
    every=timedelta(seconds=30),
    description="Turn stored email into complaints or replies; retry failed messages.",
)
def process_pending(*, now: datetime) -> dict[str, int]:
    return {"processed": services.inbound_process_pending()}
