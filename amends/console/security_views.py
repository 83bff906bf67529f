"""The console's Security pages: the code step after the password, adding and removing the second
factor (TOTP, django-otp), and for administrators lifting a sign-in lockout (django-axes) and
removing a person's second factor when they lost their phone. Also the page a locked-out sign-in
answers with (`locked_out`, AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from amends.console.security_auth import (
    confirmed_device,
    may_administer,
    may_enrol,
    otpauth_qr_svg,
)
from amends.console.security_forms import CodeForm, PersonForm
from amends.core.errors import PermissionDenied
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

log = logging.getLogger("amends.security")


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _next(request: HttpRequest, default: str = "/console/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else default


# --- a locked-out sign-in -------------------------------------------------------------------


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The sign-in page again, saying why the password was not even tried (429). Any sign-in
    form (the console's or the admin's) answers with it."""
    username = str((credentials or {}).get("username") or request.POST.get("username") or "")
    form = AuthenticationForm(request, initial={"username": username[:150]})
    context = {
        "form": form,
        "locked": True,
        "lockout_minutes": lockout_minutes(),
        "next": _next(request, ""),
    }
    return render(request, "console/login.html", context, status=429)


# --- the code step --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the person's authenticator app."""
    user: User = request.user  # type: ignore[assignment]
    device = confirmed_device(user)
    if device is None or user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted = _check_code(form, device.pk)
        if accepted is not None:
            otp_login(request, accepted)
            return redirect(_next(request))
        log.warning("second factor refused for user %s", user.pk)
    return render(
        request,
        "console/security/second_factor.html",
        {"form": form, "next": _next(request, "")},
        status=400 if form.errors else 200,
    )


def _check_code(form: CodeForm, device_pk: int, *, confirm: bool = False) -> TOTPDevice | None:
    """The device if the form's code is its current code (confirming it when asked); else
    None, with the reason on the form. Wrong codes slow further tries down (django-otp's
    throttling: 1 s, 2 s, 4 s … after each failure)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device_pk)
        allowed, _detail = device.verify_is_allowed()
        accepted = allowed and device.verify_token(form.cleaned_data["code"])
        if accepted and confirm:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    if accepted:
        return device
    if not allowed:
        form.add_error("code", _("Too many wrong codes: wait a minute, then try again."))
    else:
        form.add_error("code", _("That code is not right: check the app's time and try again."))
    return None


# --- the person's own security page ---------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    expiry = request.session.get_expiry_date()
    context: dict[str, Any] = {
        "device": confirmed_device(user),
        "may_enrol": may_enrol(user),
        "session_ends": expiry,
        "at_browser_close": request.session.get_expire_at_browser_close(),
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        "administers": _administers(user),
    }
    if context["administers"]:
        context["locked"] = locked_accounts(user)
        context["lockout_minutes"] = lockout_minutes()
    return render(request, "console/security/security.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: a new key (POST start) shown as a QR code and as text, which
    counts only once a code from the app confirms it."""
    user: User = request.user  # type: ignore[assignment]
    if not may_enrol(user):
        raise PermissionDenied(
            _("A second factor is for managers, directors, auditors and administrators."),
            code="second_factor_not_for_role",
        )
    if confirmed_device(user) is not None:
        messages.info(request, _("Your sign-in already asks for a code."))
        return redirect("console:security")
    if request.method == "POST" and "start" in request.POST:
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            TOTPDevice.objects.create(user=user, name="amends", confirmed=False)
        return redirect("console:security_enrol")
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if pending is None:
        return redirect("console:security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _check_code(form, pending.pk, confirm=True)
        if device is not None:
            otp_login(request, device)
            log.info("second factor added by user %s", user.pk)
            messages.success(
                request, _("Done: from now on, your sign-in asks for a code from the app.")
            )
            return redirect("console:security")
    context = {
        "form": form,
        "qr": otpauth_qr_svg(pending),
        "secret": _grouped(pending.bin_key),
    }
    return render(
        request, "console/security/enrol.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    """Remove one's own second factor, with a current code from it."""
    user: User = request.user  # type: ignore[assignment]
    device = confirmed_device(user)
    if device is None:
        return redirect("console:security")
    form = CodeForm(request.POST)
    if form.is_valid() and _check_code(form, device.pk) is not None:
        with transaction.atomic():
            TOTPDevice.objects.filter(user=user).delete()
        log.info("second factor removed by user %s", user.pk)
        messages.success(request, _("Done: your sign-in no longer asks for a code."))
        return redirect("console:security")
    for error in form.errors.get("code", []):
        messages.error(request, str(error))
    return redirect("console:security")


# --- administrators -------------------------------------------------------------------------


def _administers(user: User) -> bool:
    """Django staff, or an administrator of the whole company."""
    return user.is_staff or user.is_superuser or Role.ADMIN in scope_of(user).company_roles


def locked_accounts(actor: User) -> dict[str, list[dict[str, Any]]]:
    """Accounts (of the people `actor` administers) and, for staff, addresses locked out now:
    their failures within the cool-off reached the limit."""
    since = timezone.now() - (get_cool_off() or timedelta(0))
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    limit = settings.AXES_FAILURE_LIMIT

    def grouped(field: str) -> list[dict[str, Any]]:
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"))
            .filter(failures__gte=limit)
            .order_by(field)
        )
        return [{"key": row[field], "failures": row["failures"]} for row in rows]

    staff = actor.is_staff or actor.is_superuser
    usernames = grouped("username")
    if not staff:
        mine = set(
            User.objects.filter(
                company=actor.company, username__in=[row["key"] for row in usernames]
            ).values_list("username", flat=True)
        )
        usernames = [row for row in usernames if row["key"] in mine]
    return {"usernames": usernames, "addresses": grouped("ip_address") if staff else []}


@login_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    """Lift a lockout: of an account (username) or of an address (ip)."""
    actor: User = request.user  # type: ignore[assignment]
    if not _administers(actor):
        raise PermissionDenied(_("Only administrators may lift a lockout."), code="not_admin")
    address = request.POST.get("ip", "").strip()[:45]
    if address:
        if not (actor.is_staff or actor.is_superuser):
            raise PermissionDenied(_("Only administrators may lift a lockout."), code="not_admin")
        count = axes_reset(ip=address)
        log.info("sign-in lockout of an address lifted by user %s (%s rows)", actor.pk, count)
        messages.success(request, _("Done: the address may sign in again."))
        return redirect("console:security")
    form = PersonForm(request.POST)
    person = _person(form)
    if person is not None and may_administer(actor, person):
        count = axes_reset(username=person.username)
        log.info(
            "sign-in lockout of user %s lifted by user %s (%s rows)", person.pk, actor.pk, count
        )
        messages.success(request, _("Done: %(name)s may sign in again.") % {"name": person})
    else:
        messages.error(request, _("No one you administer has that username."))
    return redirect("console:security")


@login_required
@require_POST
def remove_device(request: HttpRequest) -> HttpResponse:
    """Recovery: a person lost their phone; the administrator removes their second factor so
    that they sign in with the password alone (and may add a new app)."""
    actor: User = request.user  # type: ignore[assignment]
    if not _administers(actor):
        raise PermissionDenied(
            _("Only administrators may remove a second factor."), code="not_admin"
        )
    form = PersonForm(request.POST)
    person = _person(form)
    if person is None or not may_administer(actor, person):
        messages.error(request, _("No one you administer has that username."))
        return redirect("console:security")
    with transaction.atomic():
        removed, _rows = TOTPDevice.objects.filter(user=person).delete()
    log.info("second factor of user %s removed by user %s", person.pk, actor.pk)
    if removed:
        messages.success(
            request,
            _("Done: %(name)s signs in with the password alone until they add an app again.")
            % {"name": person},
        )
    else:
        messages.info(request, _("%(name)s had no second factor.") % {"name": person})
    return redirect("console:security")


def _person(form: PersonForm) -> User | None:
    if not form.is_valid():
        return None
    return User.objects.filter(username=form.cleaned_data["username"]).first()


def _grouped(key: bytes) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
