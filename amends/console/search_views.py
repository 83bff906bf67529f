"""The search box in the console's header: one field that finds a complaint by reference, the
customer's phone, email or member number, or keywords — open and closed, within the searcher's
scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from amends.complaints import selectors
from amends.console.paging import window
from amends.console.views import current_venue
from amends.orgs.models import User

PER_PAGE = 25


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The results as a list a front desk reads out: reference, state in words, owner, due.
    A single match by reference opens the complaint at once. The page costs the same number of
    queries however many results it shows (related rows in the same query) and however many
    complaints match (counted up to 1,000, shown "1,000+"; pages go by "next")."""
    actor: User = request.user  # type: ignore[assignment]
    text = " ".join(request.GET.get("q", "").split())[:200]
    place = current_venue(request)
    page = None
    if text:
        found = selectors.search_for_actor(
            actor=actor, text=text, venue_id=place.pk if place else None
        )
        page = window(found, page=request.GET.get("page"), per=PER_PAGE, walk_time=True)
        if selectors.REFERENCE.match(text) and page.total == 1 and len(page) == 1:
            return redirect("console:complaint", reference=page.rows[0].reference)
    return render(request, "console/search.html", {"q": text, "page": page, "place": place})
