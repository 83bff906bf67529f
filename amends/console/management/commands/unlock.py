"""`amends unlock USERNAME`: lift the sign-in lockout of an account (django-axes) now, instead of
waiting AMENDS_LOCKOUT_MINUTES. `--ip ADDRESS` lifts an address's lockout instead;
`--second-factor` also removes the person's authenticator app (they lost their phone)."""

from __future__ import annotations

import logging
from typing import Any

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from amends.orgs.models import User

log = logging.getLogger("amends.security")


class Command(BaseCommand):
    help = "Lift the sign-in lockout of an account (or of an address with --ip)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="the account's sign-in name")
        parser.add_argument("--ip", help="lift the lockout of this address instead")
        parser.add_argument(
            "--second-factor",
            action="store_true",
            help="also remove the person's authenticator app (second factor)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username, address = options["username"], options["ip"]
        if bool(username) == bool(address):
            raise CommandError("name one account (USERNAME) or one address (--ip), not both")
        if address:
            count = reset(ip=address)
            log.info("sign-in lockout of an address lifted from the command line")
            self.stdout.write(f"{address}: lockout lifted ({count} records removed)")
            return
        person = User.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"no account has the username {username!r}")
        count = reset(username=person.username)
        log.info("sign-in lockout of user %s lifted from the command line", person.pk)
        self.stdout.write(f"{person.username}: lockout lifted ({count} records removed)")
        if options["second_factor"]:
            with transaction.atomic():
                removed, _rows = TOTPDevice.objects.filter(user=person).delete()
            log.info("second factor of user %s removed from the command line", person.pk)
            self.stdout.write(f"{person.username}: {removed} authenticator app(s) removed")
