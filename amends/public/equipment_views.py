"""A machine's fault form (设备报修), reached by the QR code on the machine, and its printable
QR poster. No account: the address's random token names the machine.

Abuse protection as on the complaint form: a valid report counts against the client's address
(FAULTS_PER_ADDRESS an hour); over it, the form comes back with its input and a 429. A honeypot
field (`website`) filled by a bot brings the form back with a 400 and records nothing. An unsafe
fault takes the machine out of service at once (the service does, in the same transaction)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from amends.core import clock, ratelimit
from amends.core.errors import DomainError, NotFound
from amends.equipment import selectors, services
from amends.equipment.models import Asset, WorkOrder
from amends.public.pages import absolute, client_address, public_page
from amends.public.poster import CACHE_SECONDS, FONT_FAMILY, qr_svg

HOUR = 3600
FAULTS_PER_ADDRESS = 10  # valid fault reports an hour from one address
SESSION_REPORTED = "public_fault"
THANKS_SHOWN = timedelta(minutes=15)
YES, NO = "yes", "no"


class FaultForm(forms.Form):
    """What is wrong, whether it is unsafe to use, and (if they like) who tells us."""

    description = forms.CharField(
        label=gettext_lazy("What is wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    unsafe = forms.ChoiceField(
        label=gettext_lazy("Is it unsafe to use?"),
        choices=[
            (YES, gettext_lazy("Yes: someone could get hurt")),
            (NO, pgettext_lazy("is it unsafe to use", "No")),
        ],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=gettext_lazy("Your name (if you like)"), max_length=100, required=False
    )
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"), required=False, max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})

    @property
    def is_bot(self) -> bool:
        return bool(self.is_bound and str(self.data.get("website", "")).strip())


def _asset(token: str) -> Asset:
    asset = selectors.asset_by_token(token[:64])
    if asset.status == Asset.Status.RETIRED:
        raise NotFound(_("This machine is no longer in use."), code="asset_not_found")
    return asset


def _form_page(
    request: HttpRequest, asset: Asset, form: FaultForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "asset": asset,
        "venue": asset.venue,
        "form": form,
        "already": selectors.open_faults_of(asset).count(),
    }
    return render(request, "public/equipment/fault.html", context, status=status)


@public_page
def fault_form(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the machine's fault form. POST: check, limit, report, then the thank-you page."""
    asset = _asset(token)
    posted = request.method == "POST"
    form = FaultForm(request.POST if posted else None)
    if not posted:
        return _form_page(request, asset, form)
    address = client_address(request)
    if form.is_bot:
        ratelimit.hit("public-fault:address", address, per=HOUR)
        form.add_error(None, _("The form could not be sent. Please try again."))
        return _form_page(request, asset, form, status=400)
    if not form.is_valid():
        return _form_page(request, asset, form, status=400)
    if not ratelimit.allow("public-fault:address", address, limit=FAULTS_PER_ADDRESS, per=HOUR):
        form.add_error(
            None,
            _(
                "Too many reports were sent from here in a short time, so this one was not "
                "recorded. Please try again later, or tell us at the front desk."
            ),
        )
        return _form_page(request, asset, form, status=429)
    try:
        order = services.fault_report(
            asset=asset,
            source=WorkOrder.Source.MEMBER,
            description=form.cleaned_data["description"],
            unsafe=form.cleaned_data["unsafe"] == YES,
            actor=None,
            reporter_name=form.cleaned_data["name"],
        )
    except DomainError as refused:
        form.add_error(None, str(refused.message))
        return _form_page(request, asset, form, status=400)
    request.session[SESSION_REPORTED] = {
        "number": order.number,
        "token": asset.public_token,
        "unsafe": order.unsafe,
        # Shown a short while only: the next person at the machine must not find it.
        "until": (clock.now() + THANKS_SHOWN).isoformat(),
    }
    return redirect("public:asset_thanks", token=asset.public_token)


def _still_shown(reported: dict[str, Any]) -> bool:
    try:
        return clock.now() < datetime.fromisoformat(str(reported.get("until")))
    except ValueError:
        return False


@public_page
@require_GET
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """After the form (redirect-after-POST): the work order's number. Only the browser that sent
    the report sees it."""
    asset = _asset(token)
    reported: Any = request.session.get(SESSION_REPORTED)
    if (
        not isinstance(reported, dict)
        or reported.get("token") != asset.public_token
        or not _still_shown(reported)
    ):
        request.session.pop(SESSION_REPORTED, None)
        return redirect("public:asset_fault", token=asset.public_token)
    context = {
        "asset": asset,
        "venue": asset.venue,
        "number": reported.get("number", ""),
        "unsafe": bool(reported.get("unsafe")),
    }
    return render(request, "public/equipment/thanks.html", context)


# --- the machine's QR poster -------------------------------------------------------------------


def fault_url(asset: Asset, lang: str) -> str:
    path = reverse("public:asset_fault", args=[asset.public_token])
    return absolute(path + ("?lang=en" if lang == "en" else ""))


def poster_html(asset: Asset, lang: str) -> str:
    """The machine's A5-sized label on an A4 page: its name and code, "report a fault" in the
    poster's language and the other, and the QR code of its fault form."""
    other = "zh-hans" if lang == "en" else "en"
    url = fault_url(asset, lang)
    with translation.override(other):
        secondary = {
            "headline": translation.gettext("Out of order? Tell us"),
            "scan": translation.gettext("Scan the code with your phone to report a fault."),
        }
    with translation.override(lang):
        return render_to_string(
            "public/equipment/poster.html",
            {
                "asset": asset,
                "venue_name": asset.venue.name_in(lang),
                "url": url,
                "qr": qr_svg(url),
                "other": secondary,
                "font": FONT_FAMILY,
                "lang": lang,
            },
        )


def poster_pdf(asset: Asset, lang: str) -> bytes:
    """The poster printed once an hour at most (printing costs a second or two of CPU and the
    address is public); the key holds what it shows."""
    url = fault_url(asset, lang)
    shown = "\x00".join((asset.code, asset.name, asset.location, asset.venue.name, url, lang))
    key = "public-asset-poster:" + hashlib.sha256(shown.encode()).hexdigest()[:32]
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    from weasyprint import HTML

    pdf = HTML(string=poster_html(asset, lang)).write_pdf()
    assert isinstance(pdf, bytes)
    cache.set(key, pdf, CACHE_SECONDS)
    return pdf


@require_GET
def poster(request: HttpRequest, token: str) -> HttpResponse:
    """The machine's printable QR poster (public: it hangs on the machine). `?lang=en` prints
    it in English first."""
    try:
        asset = _asset(token)
    except NotFound:
        raise Http404 from None
    lang = "en" if request.GET.get("lang") == "en" else "zh-hans"
    response = HttpResponse(poster_pdf(asset, lang), content_type="application/pdf")
    name = "".join(c for c in asset.code if c.isalnum() or c in "-_") or "asset"
    response["Content-Disposition"] = f'inline; filename="fault-poster-{name}-{lang}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
