"""`amends api_key create|revoke|list`: API keys for integrations, from the command line.

The key is printed once, when it is made; only its SHA-256 is kept."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.errors import DomainError
from amends.core.principals import ApiScope
from amends.orgs.models import ApiKey, Company, Venue
from amends.orgs.services import api_key_create, api_key_revoke


class Command(BaseCommand):
    help = "Make, revoke or list the API keys of a company."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["create", "revoke", "list"])
        parser.add_argument("--company", required=True, help="company code")
        parser.add_argument("--name", default="", help="what uses the key, e.g. mini-program")
        parser.add_argument("--venue", default="", help="venue code (default: every venue)")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            choices=ApiScope.values,
            help="repeat for several scopes",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        company = Company.objects.filter(code=options["company"]).first()
        if company is None:
            raise CommandError(f"no company with code {options['company']!r}")
        if options["verb"] == "list":
            for key in ApiKey.objects.filter(company=company).order_by("name"):
                state = "revoked" if key.revoked_at else "active"
                where = key.venue.code if key.venue else "all venues"
                self.stdout.write(
                    f"{key.name}\t{key.prefix}…\t{where}\t{','.join(key.scopes)}\t{state}"
                )
            return
        if options["verb"] == "revoke":
            found = ApiKey.objects.filter(company=company, name=options["name"]).first()
            if found is None:
                raise CommandError(f"no key named {options['name']!r}")
            api_key_revoke(key=found)
            self.stdout.write(f"revoked {found.name}")
            return
        venue = None
        if options["venue"]:
            venue = Venue.objects.filter(company=company, code=options["venue"]).first()
            if venue is None:
                raise CommandError(f"no venue {options['venue']!r} in {company.code}")
        try:
            key, raw = api_key_create(
                actor=None,
                company=company,
                name=options["name"],
                scopes=options["scope"],
                venue=venue,
            )
        except DomainError as refused:
            raise CommandError(f"{refused.code}: {refused.message}") from None
        self.stdout.write(f"API key {key.name!r} (shown once, keep it secret):\n{raw}")
