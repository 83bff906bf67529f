"""How privacy operations plug into the lower layers, which never import them (called once from
`PrivacyConfig.ready`):

- the complaints tick's retention purge is `privacy.purge.purge`;
- every `personal_data_viewed` event (a contact revealed, on any face) writes an access-log row
  in the same transaction;
- every `received` event sets the complaint's sensitive flags from its triage record;
- the complaints and members providers of data-subject requests are registered;
- every member contact shown on the care pages (`members.services.contact_revealed`) writes an
  access-log row.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from amends.complaints import timeline
from amends.complaints.models import Complaint, ComplaintEvent
from amends.members.services import contact_revealed

VIEWED = "personal_data_viewed"
RECEIVED = "received"
REVEAL_WHAT = "contact details (name, phone, email) revealed"


def connect() -> None:
    from amends.complaints import tick
    from amends.privacy import providers, purge

    tick.purge_register(purge.purge)
    providers.register_all()
    post_save.connect(on_event, sender=ComplaintEvent, dispatch_uid="privacy.on_event")
    contact_revealed.connect(on_member_reveal, dispatch_uid="privacy.on_member_reveal")


def on_member_reveal(sender: Any, *, actor: Any, member: Any, why: str = "", **kwargs: Any) -> None:
    """A member's contact shown unmasked on the care pages: written to the access log."""
    from amends.privacy.services import log_access

    log_access(
        actor,
        customer=member.customer_id,
        what=REVEAL_WHAT,
        why=why or f"member care ({member.venue.code}:{member.number})",
    )


def on_event(sender: Any, instance: ComplaintEvent, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    if instance.kind == VIEWED:
        _log_reveal(instance)
    elif instance.kind == RECEIVED:
        _flag_sensitive(instance)


def _log_reveal(event: ComplaintEvent) -> None:
    from amends.privacy.services import log_access

    complaint = Complaint.objects.select_related("customer").get(pk=event.complaint_id)
    data = event.data if isinstance(event.data, dict) else {}
    log_access(
        event.actor,
        customer=data.get("customer") or complaint.customer_id,
        complaint=complaint,
        what=REVEAL_WHAT,
        why=f"handling complaint {complaint.reference}",
    )


def _flag_sensitive(event: ComplaintEvent) -> None:
    """Flag from triage, as part of the intake itself: that is why this is an `update()` and
    not a change through the gate with an event of its own. The kinds are read from the triage
    record the intake stores on the row, in the intake's transaction, while the complaint is at
    its first version (nobody can hold a version of it to check yet); the `received` event
    stands for the complaint as received, triage and flags included. Every later change of the
    flags is a `sensitive_flags` event (`services.complaint_set_sensitive`). No event can be
    written here anyway: this runs inside the `received` event's own append, before the
    timeline's head has moved. `sensitive` is not a sealed field, so the seal stays valid.
    The complaint object the intake holds is the event's (it created the event with it): it is
    changed too, so the intake's later saves keep the flags. When the intake holds its row's
    writes back (`timeline.deferred`), the flags are written with them, in the same update."""
    from amends.privacy.sensitive import kinds_from

    complaint: Complaint = event.complaint
    kinds = kinds_from(complaint.triage, complaint.description or "")
    merged = sorted(set(complaint.sensitive or []) | set(kinds))
    if merged != sorted(complaint.sensitive or []):
        complaint.sensitive = merged
        held = timeline.held_row(complaint.pk)
        if held is None:
            Complaint.objects.filter(pk=complaint.pk).update(sensitive=merged)
        else:  # the intake writes its row once, at the end: the flags with the rest
            held.sensitive = merged
