"""Member care in the monthly report (SPEC §10): revisit-campaign coverage, the care messages
sent, coach satisfaction and first contact within 7 days of a member's assignment.

Each venue's month is its own local month. Definitions:

- *campaign coverage*: the calls due in the month, per campaign: called (done), not reached
  (given up after three tries), still to call, cancelled (the campaign finished first);
  coverage = called ÷ all; satisfied and not satisfied as a share of the calls made; the
  average score (1–5) of the answers that gave one; the complaints the unhappy answers opened.
- *care sent*: care messages of the days of the month per kind: sent (queued to the outbox),
  opted out (recorded, not sent), no contact (no address for the rule's channel).
- *coach satisfaction*: feedback recorded in the month per coach: count, average score, the
  share satisfied (score 4 or 5).
- *first contact*: members assigned to a specialist in the month, how many were contacted
  within 7 days, how many are overdue (not contacted, 7 days past) at the report's time.

Every figure is a grouped aggregate in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from amends.care.access import FIRST_CONTACT_DAYS
from amends.care.models import CampaignCall, CareMessage, CareRule, CoachFeedback
from amends.members.models import Member
from amends.orgs.models import User, Venue, in_language
from amends.reports.figures import add_months, month_span
from amends.reports.numbers import pct, score
from amends.reports.structure import Column, Row, Table
from amends.reports.tables_base import ReportBuilderBase

CallStatus = CampaignCall.Status
Outcome = CampaignCall.Outcome


class CareTables(ReportBuilderBase):
    """The member-care tables of a venue's (or the company's) month."""

    def care_venues(self) -> list[Venue]:
        if self.venue is not None:
            return [self.venue]
        return list(
            Venue.objects.using(self.using).filter(company_id=self.company.pk).order_by("code")
        )

    def _in_month(self, field: str, prefix: str = "") -> Q:
        """`field` (a datetime) in each venue's local month; `prefix` leads to the venue."""
        match = Q(pk__in=[])
        for venue in self.care_venues():
            start, end = month_span(self.month, venue.timezone)
            match |= Q(**{f"{prefix}venue": venue, f"{field}__gte": start, f"{field}__lt": end})
        return match

    def care_tables(self) -> tuple[Table, ...]:
        return (
            self.campaign_coverage(),
            self.care_sent(),
            self.coach_satisfaction(),
            self.first_contact(),
        )

    def campaign_coverage(self) -> Table:
        rows = (
            CampaignCall.objects.using(self.using)
            .filter(self._in_month("due_at", "campaign__"))
            .values("campaign_id", "campaign__name", "campaign__venue__code")
            .annotate(
                calls=Count("pk"),
                done=Count("pk", filter=Q(status=CallStatus.DONE)),
                unreachable=Count("pk", filter=Q(status=CallStatus.UNREACHABLE)),
                due=Count("pk", filter=Q(status=CallStatus.DUE)),
                cancelled=Count("pk", filter=Q(status=CallStatus.CANCELLED)),
                satisfied=Count("pk", filter=Q(outcome=Outcome.SATISFIED)),
                unhappy=Count("pk", filter=Q(outcome=Outcome.NOT_SATISFIED)),
                average=Avg("score"),
                complaints=Count("complaint", distinct=True),
            )
            .order_by("campaign__venue__code", "campaign__name", "campaign_id")
        )

        def values(name: str, venue: str, r: dict[str, Any]) -> tuple[Any, ...]:
            return (
                name,
                venue,
                r["calls"],
                r["done"],
                r["unreachable"],
                r["due"],
                r["cancelled"],
                pct(r["done"], r["calls"]),
                pct(r["satisfied"], r["done"]),
                pct(r["unhappy"], r["done"]),
                score(r["average"]),
                r["complaints"],
            )

        body = [
            Row(values=values(r["campaign__name"], r["campaign__venue__code"], r)) for r in rows
        ]
        if len(body) > 1:
            total = (
                CampaignCall.objects.using(self.using)
                .filter(self._in_month("due_at", "campaign__"))
                .aggregate(
                    calls=Count("pk"),
                    done=Count("pk", filter=Q(status=CallStatus.DONE)),
                    unreachable=Count("pk", filter=Q(status=CallStatus.UNREACHABLE)),
                    due=Count("pk", filter=Q(status=CallStatus.DUE)),
                    cancelled=Count("pk", filter=Q(status=CallStatus.CANCELLED)),
                    satisfied=Count("pk", filter=Q(outcome=Outcome.SATISFIED)),
                    unhappy=Count("pk", filter=Q(outcome=Outcome.NOT_SATISFIED)),
                    average=Avg("score"),
                    complaints=Count("complaint", distinct=True),
                )
            )
            body.append(Row(values=values(_("Total"), "", total), total=True))
        return Table(
            key="campaign_coverage",
            title=_("Revisit campaign coverage"),
            columns=(
                Column("campaign", _("Campaign"), "text"),
                Column("venue", _("Venue"), "text"),
                Column("calls", _("Calls due"), "count"),
                Column("done", _("Called"), "count"),
                Column("unreachable", _("Not reached"), "count"),
                Column("to_call", _("Still to call"), "count"),
                Column("cancelled", pgettext("call", "Cancelled"), "count"),
                Column("coverage", _("Coverage (%)"), "percent"),
                Column("satisfied", _("Satisfied (%)"), "percent"),
                Column("not_satisfied", _("Not satisfied (%)"), "percent"),
                Column("score", _("Average score (1–5)"), "score"),
                Column("complaints", _("Complaints opened"), "count"),
            ),
            rows=tuple(body),
            note=_(
                "Calls due in the month. Coverage: called of all calls due; satisfied and not "
                "satisfied: of the calls made. A not-satisfied answer opens a complaint."
            ),
        )

    def care_sent(self) -> Table:
        start = self.month.replace(day=1)
        end = add_months(start, 1) - timedelta(days=1)
        rows = (
            CareMessage.objects.using(self.using)
            .filter(rule__venue__in=self.care_venues(), day__gte=start, day__lte=end)
            .values("rule__kind", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts: dict[str, dict[str, int]] = {}
        for r in rows:
            counts.setdefault(r["rule__kind"], {})[r["status"]] = r["n"]
        statuses = list(CareMessage.Status.values)

        def values(label: str, found: dict[str, int]) -> tuple[Any, ...]:
            return (label, *(found.get(s, 0) for s in statuses), sum(found.values()))

        body = [
            Row(values=values(str(CareRule.Kind(kind).label), counts[kind]))
            for kind in CareRule.Kind.values
            if kind in counts
        ]
        if body:
            total: dict[str, int] = {}
            for found in counts.values():
                for status, n in found.items():
                    total[status] = total.get(status, 0) + n
            body.append(Row(values=values(_("Total"), total), total=True))
        return Table(
            key="care_sent",
            title=_("Care messages"),
            columns=(
                Column("kind", _("Kind of care"), "text"),
                *(
                    Column(status, str(CareMessage.Status(status).label), "count")
                    for status in statuses
                ),
                Column("total", _("Total"), "count"),
            ),
            rows=tuple(body),
            note=_(
                "Care messages of the month's days, at most one per member, rule and day. "
                "Opted out: the member refused the channel; no contact: no address for it."
            ),
        )

    def coach_scores(self) -> dict[int, dict[str, Any]]:
        """Per coach (user id), the month's feedback: n, average (two places), satisfied
        (score 4–5) and satisfied_rate (%). One grouped query; also for the staff table's
        satisfaction-per-coach columns."""
        rows = (
            CoachFeedback.objects.using(self.using)
            .filter(self._in_month("at"))
            .values("coach_id")
            .annotate(
                n=Count("pk"),
                average=Avg("score"),
                satisfied=Count("pk", filter=Q(score__gte=4)),
            )
            .order_by()
        )
        return {
            r["coach_id"]: {
                "n": r["n"],
                "average": score(r["average"]),
                "satisfied": r["satisfied"],
                "satisfied_rate": pct(r["satisfied"], r["n"]),
            }
            for r in rows
        }

    def coach_satisfaction(self) -> Table:
        scores = self.coach_scores()
        rows = [{"coach_id": pk, **found} for pk, found in scores.items()]
        people = {
            u.pk: u
            for u in User.objects.using(self.using).filter(pk__in=[r["coach_id"] for r in rows])
        }
        found = sorted(
            rows,
            key=lambda r: (-(r["average"] or 0), people[r["coach_id"]].name_in(self.language)),
        )
        body = [
            Row(
                values=(
                    people[r["coach_id"]].name_in(self.language),
                    r["n"],
                    r["average"],
                    r["satisfied"],
                    r["satisfied_rate"],
                )
            )
            for r in found
        ]
        return Table(
            key="coach_satisfaction",
            title=_("Coach satisfaction"),
            columns=(
                Column("coach", _("Coach"), "text"),
                Column("feedback", _("Ratings"), "count"),
                Column("score", _("Average score (1–5)"), "score"),
                Column("satisfied", _("Satisfied (4–5)"), "count"),
                Column("satisfied_rate", _("Satisfied (%)"), "percent"),
            ),
            rows=tuple(body),
            note=_("Members' feedback on their coaches recorded in the month, scored 1 to 5."),
        )

    def first_contact(self) -> Table:
        window = timedelta(days=FIRST_CONTACT_DAYS)
        rows = (
            Member.objects.using(self.using)
            .filter(self._in_month("assigned_at"))
            .values("venue__code", "venue__name", "venue__name_en")
            .annotate(
                assigned=Count("pk"),
                within=Count("pk", filter=Q(first_contact_at__lte=F("assigned_at") + window)),
                overdue=Count(
                    "pk",
                    filter=Q(first_contact_at__isnull=True, assigned_at__lt=self.now - window),
                ),
            )
            .order_by("venue__code")
        )
        body = [
            Row(
                values=(
                    in_language(r["venue__name"], r["venue__name_en"], self.language),
                    r["assigned"],
                    r["within"],
                    pct(r["within"], r["assigned"]),
                    r["overdue"],
                )
            )
            for r in rows
        ]
        return Table(
            key="first_contact",
            title=_("First contact with new members"),
            columns=(
                Column("venue", _("Venue"), "text"),
                Column("assigned", _("Members assigned"), "count"),
                Column("within", _("Contacted within 7 days"), "count"),
                Column("within_rate", _("Contacted within 7 days (%)"), "percent"),
                Column("overdue", _("Not contacted, overdue"), "count"),
            ),
            rows=tuple(body),
            note=_(
                "Members given a specialist in the month; the first contact is due within 7 "
                "days of the assignment (a call or a recorded contact)."
            ),
        )
