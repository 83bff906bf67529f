"""Sign-in hardening that is not a page: the lockout backend (django-axes), the client's address
it counts by, and the second factor (django-otp's TOTP devices): who may enrol, who must give a
code, the QR code of a new device. The pages are in security_views.py."""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models.signals import post_delete, post_init, post_save
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from amends.core import config_cache
from amends.orgs.cache import bump_company_of
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

# The roles that may protect their sign-in with a second factor (SPEC §7): the people who
# decide, read everything or administer.
SECOND_FACTOR_ROLES = frozenset(
    {Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR, Role.AUDITOR, Role.ADMIN}
)
# Paths where a person with a confirmed device must have given its code this session.
GUARDED_PREFIXES = ("/console/", "/admin/")


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, first in AUTHENTICATION_BACKENDS: a locked-out account or address is refused
    before the password is looked at. A call without a request is code, not a visitor (the test
    client's `login()`, a management command): nothing to count, so it is let through to the
    next backend instead of raising as axes does."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address sign-in failures are counted by: REMOTE_ADDR, which `amends serve` sets from
    the proxy's X-Forwarded-For only when AMENDS_TRUSTED_PROXY names that proxy. None when there
    is no valid address (a Unix socket, the test client's force_login): such requests share one
    count, and axes' records store no address (PostgreSQL's inet column refuses anything else)."""
    raw = str(request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def may_enrol(user: User) -> bool:
    """Whether the person may add a second factor: a role of SECOND_FACTOR_ROLES anywhere, or
    a Django staff account (the admin site)."""
    return user.is_staff or bool(scope_of(user).all_roles & SECOND_FACTOR_ROLES)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def needs_code(request: HttpRequest) -> bool:
    """Whether this signed-in request must first pass the code step: the person has a confirmed
    device and has not given a code from it in this session."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if user.is_verified():
        return False
    return has_confirmed_device(user)


def has_confirmed_device(user: User) -> bool:
    """Whether `user` has a confirmed device: asked on every signed-in request, kept in the
    per-process configuration cache (`core/config_cache.py`) and dropped for the company when
    a device is added, confirmed or removed (the signals below)."""
    user_id = user.pk
    return config_cache.cached(
        f"otp.{user_id}",
        user.company_id or config_cache.GLOBAL,
        lambda: TOTPDevice.objects.filter(user_id=user_id, confirmed=True).exists(),
    )


CONFIRMED_AS_READ = "_amends_confirmed"


def _device_read(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    setattr(instance, CONFIRMED_AS_READ, instance.confirmed)


def _device_changed(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    """A device added, confirmed, unconfirmed or removed: the company's cached answers are
    dropped. A code checked (the device saves its counters) changes nothing here."""
    unchanged = getattr(instance, CONFIRMED_AS_READ, None) == instance.confirmed
    if kwargs.get("signal") is post_save and not kwargs.get("created") and unchanged:
        return
    setattr(instance, CONFIRMED_AS_READ, instance.confirmed)
    bump_company_of(instance.user_id)


post_init.connect(_device_read, sender=TOTPDevice, dispatch_uid="console.otp.read")
post_save.connect(_device_changed, sender=TOTPDevice, dispatch_uid="console.otp.saved")
post_delete.connect(_device_changed, sender=TOTPDevice, dispatch_uid="console.otp.deleted")


def may_administer(actor: User, person: User) -> bool:
    """Whether `actor` may lift `person`'s lockout or remove their second factor: a Django
    staff account, or an administrator of the whole company `person` works for."""
    if actor.is_superuser or actor.is_staff:
        return True
    scope = scope_of(actor)
    return (
        Role.ADMIN in scope.company_roles
        and actor.company_id is not None
        and actor.company_id == person.company_id
    )


def otpauth_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code, drawn here (no outside
    service sees the secret)."""
    import qrcode
    import qrcode.constants
    import qrcode.image.svg

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        image_factory=qrcode.image.svg.SvgPathImage,
        border=4,
    )
    code.add_data(device.config_url)
    code.make(fit=True)
    return str(code.make_image().to_string(encoding="unicode"))


def issuer() -> str:
    return str(getattr(settings, "OTP_TOTP_ISSUER", "amends"))
