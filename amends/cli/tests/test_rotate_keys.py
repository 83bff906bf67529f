"""Key rotation: after `amends rotate-keys` the old key is no longer needed."""

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import override_settings

from amends.members.models import Customer


def test_it_re_encrypts_personal_data_so_the_old_key_can_go(cast, settings):
    old, new = settings.AMENDS_FIELD_KEYS[0], Fernet.generate_key().decode()
    cast.receive()
    with override_settings(AMENDS_FIELD_KEYS=[new, old]):
        call_command("rotate_keys")
    with override_settings(AMENDS_FIELD_KEYS=[new]):
        customer = Customer.objects.get()
        assert customer.phone == "+8613800138000" and customer.name == "王芳"
