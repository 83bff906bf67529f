"""Key rotation: after `amends rotate-keys` the old key is no longer needed."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import override_settings

from amends.core import crypto
from amends.members.models import Customer
from amends.notifications.models import Outbox


def test_it_re_encrypts_personal_data_so_the_old_key_can_go(cast, settings, capsys):
    old, new = settings.AMENDS_FIELD_KEYS[0], Fernet.generate_key().decode()
    # Not urgent (triage would alert the managers too): only the acknowledgements are addressed.
    calm = "淋浴间的热水一直不够热。"
    by_phone = cast.receive(description=calm)  # acknowledged by text message
    by_email = cast.receive(  # acknowledged by email
        channel="email", customer_name="李娜", phone="", email="li.na@example.com", description=calm
    )
    with override_settings(AMENDS_FIELD_KEYS=[new, old]):
        call_command("rotate_keys")
    assert capsys.readouterr().out.strip() == "re-encrypted 2 customers and 4 outbox addresses"
    with override_settings(AMENDS_FIELD_KEYS=[new]):
        customers = {c.pk: (c.name, c.phone, c.email) for c in Customer.objects.order_by("pk")}
        addresses = {
            (o.complaint_id, o.kind): (o.channel, o.recipient_address) for o in Outbox.objects.all()
        }
    assert customers == {
        by_phone.customer_id: ("王芳", "+8613800138000", "wang.fang@example.com"),
        by_email.customer_id: ("李娜", "", "li.na@example.com"),
    }
    assert addresses == {
        (by_phone.pk, "acknowledgement"): ("sms", "+8613800138000"),
        (by_email.pk, "acknowledgement"): ("email", "li.na@example.com"),
        (by_phone.pk, "assignment"): ("in_app", ""),  # to staff in the console: no address
        (by_email.pk, "assignment"): ("in_app", ""),
    }
    # The old key alone no longer reads them: nothing was left encrypted with it.
    with override_settings(AMENDS_FIELD_KEYS=[old]), pytest.raises(crypto.DecryptionFailed):
        list(Outbox.objects.all())
