"""What an integration needs to fill a complaint in: the taxonomy, the venues, their departments
— names in the request's language, and both forms."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from amends.api.auth import company_of, principal_of
from amends.api.errors import ErrorOut
from amends.api.schemas import CategoryOut, CodeName, DepartmentOut, TaxonomyOut, VenueOut
from amends.api.selectors import departments_of, venue_for_key, venues_for_key
from amends.workflow.models import Category
from amends.workflow.taxonomy import Channel, Psychology, Severity

router = Router(tags=["reference"])

ERRORS = frozenset({401, 404, 429})


def _choices(choices: list[tuple[str, Any]]) -> list[CodeName]:
    return [CodeName(code=code, name=str(label)) for code, label in choices]


@router.get(
    "/taxonomy",
    response={200: TaxonomyOut, ERRORS: ErrorOut},
    operation_id="taxonomy",
    summary="Categories, severities, channels, psychology",
)
def taxonomy(request: HttpRequest) -> TaxonomyOut:
    principal = principal_of(request)
    categories = Category.objects.filter(company_id=company_of(principal), is_active=True)
    return TaxonomyOut(
        categories=[
            CategoryOut(code=c.code, name=str(c), name_zh=c.name_zh, name_en=c.name_en)
            for c in categories.order_by("position", "code")
        ],
        severities=_choices(Severity.choices),
        channels=_choices(Channel.choices),
        psychology=_choices(Psychology.choices),
    )


@router.get(
    "/venues",
    response={200: list[VenueOut], ERRORS: ErrorOut},
    operation_id="venue_list",
    summary="The venues this key reaches",
)
def venue_list(request: HttpRequest) -> list[VenueOut]:
    return [
        VenueOut(
            code=v.code,
            name=v.name_in(),
            name_zh=v.name,
            name_en=v.name_en,
            kind=v.kind,
            timezone=v.timezone,
        )
        for v in venues_for_key(principal=principal_of(request))
    ]


@router.get(
    "/venues/{code}/departments",
    response={200: list[DepartmentOut], ERRORS: ErrorOut},
    operation_id="department_list",
    summary="A venue's departments",
)
def department_list(request: HttpRequest, code: str) -> list[DepartmentOut]:
    venue = venue_for_key(principal=principal_of(request), code=code)
    return [
        DepartmentOut(id=d.pk, code=d.code, name=d.name_in(), name_zh=d.name, name_en=d.name_en)
        for d in departments_of(venue=venue)
    ]
