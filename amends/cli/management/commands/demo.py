"""`amends demo`: build the demo company (amends.demo) and print its logins and the address to
sign in at. Idempotent; refuses to run with AMENDS_ENV=production."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amends import demo
from amends.equipment.models import Asset


def url(host: str, port: int) -> str:
    """The address a browser on this machine uses for `amends serve --host HOST --port PORT`."""
    # Every interface (not a binding here, a reading): this machine reaches it on loopback.
    if host in ("", "0.0.0.0", "::"):  # noqa: S104
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = "Create the demo company (DEMO) with staff and six months of complaints. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--complaints", type=int, default=300, help="How many complaints (default 300)."
        )
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="The host `amends serve` listens on, for the address printed (as `make run`).",
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="The port `amends serve` listens on."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, verbosity = options["complaints"], options["verbosity"]
        if count < 0:
            raise CommandError("--complaints must be 0 or more")
        try:
            demo.check_allowed()
            if demo.exists():
                self.stdout.write("The demo company already exists; nothing was changed.")
                self._logins(url(options["host"], options["port"]))
                return
            step = max(1, count // 10)

            def progress(done: int, total: int) -> None:
                if verbosity > 0 and (done % step == 0 or done == total):
                    self.stdout.write(f"  complaints {done}/{total}")
                    self.stdout.flush()

            if verbosity > 0:
                self.stdout.write(f"Building the demo company with {count} complaints…")
            result = demo.build(complaints=count, progress=progress)
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        if result is None:  # built by someone else meanwhile
            self.stdout.write("The demo company already exists; nothing was changed.")
        else:
            self._summary(result, verbose=verbosity > 1)
        self._logins(url(options["host"], options["port"]))

    def _summary(self, result: demo.Result, *, verbose: bool) -> None:
        self.stdout.write(f"Created {result.complaints} complaints for {result.company}:")
        for state, n in result.by_state.items():
            self.stdout.write(f"  {state:<18} {n:>4}")
        self.stdout.write(
            f"  escalated {result.escalated}, reopened {result.reopened}, "
            f"extended {result.extended}, surveys answered {result.surveys_answered}"
        )
        if not result.history_ticks:
            self.stdout.write(
                "  (other companies exist: the history was built without running the tick)"
            )
        if verbose:
            self.stdout.write(
                f"  {result.ticks} ticks run; {result.compressed} steps squeezed before now"
            )

    def _logins(self, address: str) -> None:
        venues = [code for code, *_rest in demo.load().venues]
        self.stdout.write("\nCustomer pages (no sign-in): the complaint form of each venue")
        for code in venues:
            self.stdout.write(f"  {address}p/{code}/   (QR poster: {address}p/{code}/poster.pdf)")
        self.stdout.write(
            f"  tracking a complaint: {address}t/   API documentation: {address}api/v1/docs"
        )
        in_service = Asset.objects.filter(
            venue__code__in=venues, status=Asset.Status.IN_SERVICE
        ).order_by("venue__code", "code")
        machine = in_service.filter(category=Asset.Category.CARDIO).first() or in_service.first()
        if machine is not None:
            self.stdout.write(
                f"  a machine's fault report (its QR code; {machine.venue.code} {machine.code} "
                f"{machine.name}): {address}p/asset/{machine.public_token}/"
            )
        self.stdout.write(f"\nDemo logins ({address} — the admin is at {address}admin/):")
        self.stdout.write(f"  {'username':<12} {'role':<18} {'venue':<6} password")
        for person in demo.logins():
            self.stdout.write(
                f"  {person.username:<12} {person.role:<18} {person.venue or 'all':<6} "
                f"{demo.DEMO_PASSWORD}"
            )
