"""The venue's QR poster (二维码海报): an A4 page with the venue's name, "tell us what went wrong"
in the poster's language and the other, and a QR code of the form's absolute address.

The QR code is an SVG path drawn by `qrcode` and embedded inline in the HTML, which WeasyPrint
lays out and prints to PDF with Noto Sans CJK SC (Debian's fonts-noto-cjk), embedding the glyphs
it uses — so the PDF prints the same on any printer, without a font on the printing machine.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from amends.orgs.models import Venue
from amends.public.pages import absolute

FONT_FAMILY = "Noto Sans CJK SC"
CACHE_SECONDS = 3600


def form_url(venue: Venue, lang: str) -> str:
    """The absolute address of the venue's form, in the poster's language."""
    path = reverse("public:form", args=[venue.code])
    return absolute(path + ("?lang=en" if lang == "en" else ""))


def qr_svg(url: str) -> str:
    """The QR code of `url` as an inline SVG element (one path; error correction M, so a
    scratched or glare-struck poster still scans)."""
    import qrcode
    import qrcode.constants
    import qrcode.image.svg

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        image_factory=qrcode.image.svg.SvgPathImage,
        border=4,
    )
    code.add_data(url)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return str(svg)


def poster_html(venue: Venue, lang: str) -> str:
    """The poster as HTML (what WeasyPrint prints), in `lang` with the other language below."""
    other = "zh-hans" if lang == "en" else "en"
    url = form_url(venue, lang)
    with translation.override(other):
        secondary = {
            "venue": venue.name_in(other),
            "headline": translation.gettext("Tell us what went wrong"),
            "scan": translation.gettext("Scan the code with your phone to send us a complaint."),
        }
    with translation.override(lang):
        return render_to_string(
            "public/poster.html",
            {
                "venue": venue,
                "venue_name": venue.name_in(lang),
                "url": url,
                "qr": qr_svg(url),
                "other": secondary,
                "font": FONT_FAMILY,
                "lang": lang,
            },
        )


def poster_pdf(venue: Venue, lang: str) -> bytes:
    """The poster printed to an A4 PDF."""
    from weasyprint import HTML

    pdf = HTML(string=poster_html(venue, lang)).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


def poster_pdf_cached(venue: Venue, lang: str) -> bytes:
    """The poster, printed once an hour at most: printing takes a second or two of CPU and the
    address is public, so repeated requests must not each print it again. The key holds what
    the poster shows, so a renamed venue or a new public address prints a new one."""
    shown = "\x00".join((venue.code, venue.name, venue.name_en, form_url(venue, lang), lang))
    key = "public-poster:" + hashlib.sha256(shown.encode()).hexdigest()[:32]
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    pdf = poster_pdf(venue, lang)
    cache.set(key, pdf, CACHE_SECONDS)
    return pdf
