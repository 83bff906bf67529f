"""`amends apikey create|revoke|list`: API keys for integrations, from the command line.

    amends apikey create --venue GYM1 --name mini-program --scopes complaints:read,complaints:write
    amends apikey create --company DEMO --name crm --scopes complaints:read   (every venue)
    amends apikey revoke --company DEMO --name crm
    amends apikey list --company DEMO

The key is printed once, alone on the last line, when it is made; only its SHA-256 is kept."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.errors import DomainError
from amends.core.principals import ApiScope
from amends.orgs.models import ApiKey, Company, Venue
from amends.orgs.services import api_key_create, api_key_revoke


class Command(BaseCommand):
    help = "Make, revoke or list API keys (per venue, or per company for every venue)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["create", "revoke", "list"])
        parser.add_argument("--venue", default="", help="venue code: a key for this venue only")
        parser.add_argument("--company", default="", help="company code: a key for every venue")
        parser.add_argument("--name", default="", help="what uses the key, e.g. mini-program")
        parser.add_argument(
            "--scopes",
            default="",
            help=f"comma-separated, among: {', '.join(ApiScope.values)}",
        )

    def _where(self, options: dict[str, Any]) -> tuple[Company, Venue | None]:
        if options["venue"]:
            venue = Venue.objects.select_related("company").filter(code=options["venue"]).first()
            if venue is None:
                raise CommandError(f"no venue with code {options['venue']!r}")
            if options["company"] and venue.company.code != options["company"]:
                raise CommandError(f"venue {venue.code} is not in {options['company']}")
            return venue.company, venue
        company = Company.objects.filter(code=options["company"]).first()
        if company is None:
            raise CommandError("name the key's venue (--venue CODE) or company (--company CODE)")
        return company, None

    def handle(self, *args: Any, **options: Any) -> None:
        company, venue = self._where(options)
        if options["verb"] == "list":
            keys = ApiKey.objects.filter(company=company).select_related("venue").order_by("name")
            for key in keys:
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
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            key, raw = api_key_create(
                actor=None, company=company, name=options["name"], scopes=scopes, venue=venue
            )
        except DomainError as refused:
            raise CommandError(f"{refused.code}: {refused.message}") from None
        where = venue.code if venue else f"every venue of {company.code}"
        self.stdout.write(f"API key {key.name!r} for {where} (shown once, keep it secret):")
        self.stdout.write(raw)
