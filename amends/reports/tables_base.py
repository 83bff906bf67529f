"""What every table of a monthly report shares: the month's cohort, the database it is read
from, the names and order of categories and departments, the links to the drill-down."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from amends.orgs.models import Company, Department, Venue, in_language
from amends.reports.figures import (
    cohort,
    of_cohort,
)
from amends.reports.numbers import NONE, month_param
from amends.workflow.models import Category
from amends.workflow.rules import Targets
from amends.workflow.taxonomy import Channel, Severity


class ReportBuilderBase:
    """The tables and charts of one report (labels in the active language)."""

    def __init__(
        self,
        *,
        company: Company,
        venue: Venue | None,
        month: date,
        now: datetime,
        targets: Targets,
        language: str,
    ) -> None:
        self.company, self.venue, self.month, self.now = company, venue, month, now
        self.targets, self.language = targets, language
        self.complaints = cohort(company=company, venue=venue, month=month)
        self.using = self.complaints.db
        self.link = {"month": month_param(month)}
        if venue is not None:
            self.link["venue"] = venue.code
        self._by_category: list[tuple[int | None, int]] | None = None
        self._overall: tuple[dict[str, Any], dict[tuple[str, float], Any]] | None = None
        self.categories = {
            c.pk: c for c in Category.objects.using(self.using).filter(company_id=company.pk)
        }

    def of_month(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Remedies or consequences of the month's complaints, joined from them
        (`figures.of_cohort`)."""
        return of_cohort(
            queryset.using(self.using), company=self.company.pk, venue=self.venue, month=self.month
        )

    # names

    def category_name(self, pk: int | None) -> str:
        category = self.categories.get(pk) if pk is not None else None
        if category is None:
            return _("Unclassified")
        return in_language(category.name_zh, category.name_en, self.language)

    def category_code(self, pk: int | None) -> str:
        category = self.categories.get(pk) if pk is not None else None
        return category.code if category is not None else NONE

    def category_order(self, pk: int | None) -> tuple[int, str]:
        category = self.categories.get(pk) if pk is not None else None
        return (category.position, category.code) if category is not None else (9999, "")

    def to(self, **params: Any) -> dict[str, str]:
        return {**self.link, **{k: str(v) for k, v in params.items()}}

    # tables

    def _counts_by_category(self) -> list[tuple[int | None, int]]:
        """The month's complaints per category, most first (one query, kept for the causes
        table, the charts and the escalations' base)."""
        if self._by_category is None:
            rows = self.complaints.order_by().values("category_id").annotate(n=Count("pk"))
            found = [(row["category_id"], row["n"]) for row in rows]
            self._by_category = sorted(
                found, key=lambda item: (-item[1], self.category_order(item[0]))
            )
        return self._by_category

    def _group_names(
        self, group: str, keys: Collection[Any]
    ) -> tuple[dict[Any, str], tuple[str, Any], Any]:
        """Labels of a grouping's keys, the link parameter and its value, and a sort key."""
        if group == "category_id":
            return (
                {k: self.category_name(k) for k in keys},
                ("category", self.category_code),
                self.category_order,
            )
        if group == "severity":
            order = {value: i for i, value in enumerate([*Severity.values, ""])}
            return (
                {k: _severity(k) for k in keys},
                ("severity", lambda k: k or NONE),
                lambda k: order.get(k, 99),
            )
        departments = {
            d.pk: d
            for d in Department.objects.using(self.using).filter(pk__in=[k for k in keys if k])
        }

        def name(k: int | None) -> str:
            found = departments.get(k) if k is not None else None
            return found.name_in(self.language) if found is not None else _("No department")

        return (
            {k: name(k) for k in keys},
            ("department", lambda k: departments[k].code if k in departments else NONE),
            lambda k: departments[k].code if k in departments else "~",
        )


def _severity(value: str) -> str:
    return str(Severity(value).label) if value in Severity.values else _("Not set")


def _channel(value: str) -> str:
    return str(Channel(value).label) if value in Channel.values else value


def _as_decimal(value: int | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)
