"""The notification bell: the outbox rows addressed to the signed-in person in the console."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from amends.notifications.selectors import notification_get_for_user, notifications_for_user
from amends.notifications.services import notifications_mark_read
from amends.orgs.models import User

PER_PAGE = 30


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    page = Paginator(notifications_for_user(user=user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "console/notifications.html", {"page": page})


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is read now, and its complaint is shown."""
    user: User = request.user  # type: ignore[assignment]
    item = notification_get_for_user(user=user, pk=pk)
    if item is None:
        return redirect("console:notifications")
    notifications_mark_read(user=user, ids=[item.pk])
    improvement = (item.context or {}).get("improvement")
    if isinstance(improvement, int):  # "you own an improvement action": open the action
        return redirect("console:improvement", pk=improvement)
    work_order = (item.context or {}).get("work_order")
    if isinstance(work_order, str) and not item.reference:  # a work order's step: open it
        return redirect("console:work_order", number=work_order)
    if not item.reference:
        return redirect("console:notifications")
    return redirect("console:complaint", reference=item.reference)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark all read."""
    notifications_mark_read(user=request.user)  # type: ignore[arg-type]
    return redirect("console:notifications")
