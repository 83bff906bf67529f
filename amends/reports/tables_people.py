"""Staff and coaches, causes, subjective and objective causes, recurring problems."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint, Consequence
from amends.complaints.subjects import subject_key
from amends.orgs.models import Department, RoleGrant, User, Venue
from amends.reports.figures import (
    ANSWERED,
    SATISFACTION,
)
from amends.reports.numbers import (
    NONE,
    pct,
    score,
)
from amends.reports.structure import (
    Column,
    Row,
    Table,
)
from amends.reports.tables_base import ReportBuilderBase


class PeopleTables(ReportBuilderBase):
    """Staff and coaches, causes, subjective and objective causes, recurring problems."""

    if TYPE_CHECKING:  # provided by amends.reports.tables_care.CareTables in the report builder

        def coach_scores(self) -> dict[int, dict[str, Any]]: ...

    def staff(self) -> Table:
        complaints = self.complaints.order_by()
        # The complaints naming a staff member, as the subject or as responsible, counted once
        # each: grouped by the subject, plus grouped by the responsible one where that is not
        # also the subject — two grouped statements instead of a FILTER per staff member.
        per_staff = {
            "n": Count("pk"),
            "a": Count("pk", filter=ANSWERED),
            "t": Sum(SATISFACTION, filter=ANSWERED),
        }
        counts: dict[int, dict[str, int]] = {}
        for field, rows in (
            (
                "subject_staff_id",
                complaints.filter(subject_staff__isnull=False).values("subject_staff_id"),
            ),
            (
                "responsible_staff_id",
                complaints.filter(responsible_staff__isnull=False)
                .filter(
                    Q(subject_staff__isnull=True) | ~Q(subject_staff_id=F("responsible_staff_id"))
                )
                .values("responsible_staff_id"),
            ),
        ):
            for r in rows.annotate(**per_staff):
                found = counts.setdefault(r[field], {"n": 0, "a": 0, "t": 0})
                for key in per_staff:
                    found[key] += r[key] or 0
        consequences = (
            self.of_month(Consequence.objects.all())
            .values("staff_id", "kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_kind: dict[int, dict[str, int]] = {}
        for r in consequences:
            by_kind.setdefault(r["staff_id"], {})[r["kind"]] = r["n"]
        # Members' feedback on coaches (care): satisfaction per coach beside the complaints.
        coaches = self.coach_scores()
        staff_ids = sorted(set(counts) | set(by_kind) | set(coaches))
        for pk in staff_ids:
            counts.setdefault(pk, {"n": 0, "a": 0, "t": 0})

        def mean(pk: int) -> Decimal | None:  # AVG: the sum of the scores over their count
            found = counts[pk]
            return Decimal(found["t"]) / Decimal(found["a"]) if found["a"] else None

        people = {u.pk: u for u in User.objects.using(self.using).filter(pk__in=staff_ids)}
        grants = RoleGrant.objects.using(self.using).filter(
            user_id__in=staff_ids, department__isnull=False
        )
        if self.venue is not None:
            grants = grants.filter(Q(venue_id=self.venue.pk) | Q(venue__isnull=True))
        departments: dict[int, str] = {}
        for grant in grants.select_related("department").order_by("pk"):
            assert grant.department is not None
            departments.setdefault(grant.user_id, grant.department.name_in(self.language))
        kinds = list(Consequence.Kind.values)
        body = [
            Row(
                values=(
                    people[pk].name_in(self.language) if pk in people else str(pk),
                    departments.get(pk, ""),
                    counts[pk]["n"],
                    counts[pk]["a"],
                    score(mean(pk)),
                    coaches.get(pk, {}).get("n", 0),
                    coaches.get(pk, {}).get("average"),
                    *(by_kind.get(pk, {}).get(kind, 0) for kind in kinds),
                ),
                link=self.to(staff=pk),
            )
            for pk in sorted(
                staff_ids,
                key=lambda pk: (
                    -counts[pk]["n"],
                    people[pk].name_in(self.language) if pk in people else "",
                ),
            )
        ]
        return Table(
            key="staff",
            title=_("Staff and coaches"),
            columns=(
                Column("staff", _("Staff member"), "text"),
                Column("department", _("Department"), "text"),
                Column("complaints", _("Complaints naming them"), "count"),
                Column("answered", _("Surveys answered"), "count"),
                Column("satisfaction", _("Satisfaction (1–5)"), "score"),
                Column("coach_ratings", _("Member ratings"), "count"),
                Column("coach_satisfaction", _("Rated satisfaction (1–5)"), "score"),
                *(Column(kind, str(Consequence.Kind(kind).label), "count") for kind in kinds),
            ),
            rows=tuple(body),
            note=_(
                "Complaints about them or finding them responsible; members' ratings of coaches "
                "given in the month; consequences recorded on the month's complaints."
            ),
        )

    def causes(self, by_category: Sequence[tuple[int | None, int]]) -> Table:
        total = sum(n for _pk, n in by_category)
        running = 0
        body = []
        for pk, n in by_category:
            running += n
            body.append(
                Row(
                    values=(self.category_name(pk), n, pct(n, total), pct(running, total)),
                    link=self.to(category=self.category_code(pk)),
                )
            )
        return Table(
            key="causes",
            title=_("Top causes"),
            columns=(
                Column("category", _("Category"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("share", _("Share (%)"), "percent"),
                Column("cumulative", _("Cumulative share (%)"), "percent"),
            ),
            rows=tuple(body),
        )

    def cause_kinds(self) -> Table:
        values = [value for value, _label in Complaint.Cause.choices]
        counts = self.complaints.order_by().aggregate(
            **{value or NONE: Count("pk", filter=Q(cause=value)) for value in values}
        )
        total = sum(counts.values())
        body = [
            Row(
                values=(
                    str(Complaint.Cause(value).label),
                    counts[value or NONE],
                    pct(counts[value or NONE], total),
                ),
                link=self.to(cause=value or NONE),
            )
            for value in (
                Complaint.Cause.SUBJECTIVE,
                Complaint.Cause.OBJECTIVE,
                Complaint.Cause.UNDECIDED,
            )
        ]
        return Table(
            key="cause_kinds",
            title=_("Subjective and objective causes"),
            columns=(
                Column("cause", _("Cause"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("share", _("Share (%)"), "percent"),
            ),
            rows=tuple(body),
        )

    def recurring(self) -> Table:
        rows = list(
            self.complaints.order_by()
            .annotate(subject=subject_key())
            .exclude(subject="")
            .values("venue_id", "category_id", "subject")
            .annotate(n=Count("pk"), customers=Count("customer_id", distinct=True))
            .filter(n__gte=2)
        )
        venues = {
            v.pk: v
            for v in Venue.objects.using(self.using).filter(pk__in={r["venue_id"] for r in rows})
        }
        staff_ids = [int(r["subject"][6:]) for r in rows if r["subject"].startswith("staff:")]
        dept_ids = [int(r["subject"][11:]) for r in rows if r["subject"].startswith("department:")]
        people = {
            u.pk: u.name_in(self.language)
            for u in User.objects.using(self.using).filter(pk__in=staff_ids)
        }
        depts = {
            d.pk: d.name_in(self.language)
            for d in Department.objects.using(self.using).filter(pk__in=dept_ids)
        }

        def about(key: str) -> str:
            kind, _sep, rest = key.partition(":")
            if kind == "staff":
                return people.get(int(rest), rest)
            if kind == "department":
                return depts.get(int(rest), rest)
            return rest

        body = [
            Row(
                values=(
                    venues[r["venue_id"]].name_in(self.language),
                    self.category_name(r["category_id"]),
                    about(r["subject"]),
                    r["n"],
                    r["customers"],
                ),
                link={
                    **self.link,
                    "venue": venues[r["venue_id"]].code,
                    "category": self.category_code(r["category_id"]),
                    "subject": r["subject"],
                },
            )
            for r in sorted(rows, key=lambda r: (-r["n"], venues[r["venue_id"]].code, r["subject"]))
        ]
        return Table(
            key="recurring",
            title=_("Recurring problems"),
            columns=(
                Column("venue", _("Venue"), "text"),
                Column("category", _("Category"), "text"),
                Column("subject", _("About"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("customers", _("Customers"), "count"),
            ),
            rows=tuple(body),
            note=_(
                "Two or more complaints in the month at the same venue, in the same category, "
                "about the same person, department, subject or place."
            ),
        )
