"""The QR poster the gym prints and hangs at its entrance: an A4 PDF with the venue's name, the
words in Chinese and English, the CJK font embedded, and a QR code of the form's public
address (checked by reading the code's modules back from the SVG and comparing them with the
matrix `qrcode` makes for that address)."""

from __future__ import annotations

import re
import zlib
from typing import Any

import qrcode
import qrcode.constants
from django.test import Client
from django.urls import reverse

from amends.conftest import Cast
from amends.orgs.models import Venue
from amends.public import poster


def modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules an SVG path of qrcode's SvgPathImage draws: one square each."""
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)}


def inflated(pdf: bytes) -> bytes:
    """Every compressed stream of `pdf` inflated (WeasyPrint packs its objects, the font
    dictionaries and the document's title included, into compressed object streams)."""
    parts = [pdf]
    for found in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[found.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def matrix_of(url: str) -> set[tuple[int, int]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return {(x, y) for y, row in enumerate(code.get_matrix()) for x, dark in enumerate(row) if dark}


def test_the_qr_code_encodes_the_forms_public_address(cast: Cast, settings: Any) -> None:
    settings.AMENDS_PUBLIC_URL = "https://amends.example.com"

    html = poster.poster_html(cast.gym, "zh-hans")

    url = "https://amends.example.com/p/GYM1/"
    assert url in html
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    assert modules(svg) == matrix_of(url)
    assert modules(svg) != matrix_of(url + "?lang=en")
    assert cast.gym.name in html


def test_the_english_poster_opens_the_english_form(cast: Cast, settings: Any) -> None:
    settings.AMENDS_PUBLIC_URL = "https://amends.example.com"
    Venue.objects.filter(pk=cast.gym.pk).update(name_en="Jing'an Club")
    cast.gym.refresh_from_db()

    html = poster.poster_html(cast.gym, "en")

    url = "https://amends.example.com/p/GYM1/?lang=en"
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    assert modules(svg) == matrix_of(url)
    assert "Tell us what went wrong" in html
    assert "Jing&#x27;an Club" in html and cast.gym.name in html  # both names
    assert '<html lang="en">' in html


def test_the_poster_is_an_a4_pdf_with_the_cjk_font_embedded(client: Client, cast: Cast) -> None:
    response = client.get(reverse("public:poster", args=[cast.gym.code]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    objects = inflated(pdf)
    # The font is embedded (a subset: "ABCDEF+Noto-Sans-CJK-SC" with its font file).
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Noto-Sans-CJK-SC", objects)
    assert re.search(rb"/FontFile[23]?\s", objects)
    # The venue's name is the document's title (UTF-16 with its byte-order mark).
    title = "feff" + cast.gym.name.encode("utf-16-be").hex()
    assert f"/Title <{title}>".encode() in objects
    assert len(re.findall(rb"/Type\s*/Page\b", objects)) == 1  # one sheet
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.\d*\s+841\.\d*", objects)  # A4
    assert b"poster-GYM1-zh-hans.pdf" in response["Content-Disposition"].encode()


def test_an_unknown_venue_has_no_poster(client: Client, cast: Cast) -> None:
    assert client.get(reverse("public:poster", args=["NOPE"])).status_code == 404


def test_the_poster_is_printed_once_and_again_when_the_venue_is_renamed(
    client: Client, cast: Cast, monkeypatch: Any
) -> None:
    printed: list[str] = []
    real = poster.poster_pdf

    def counting(venue: Venue, lang: str) -> bytes:
        printed.append(venue.name)
        return real(venue, lang)

    monkeypatch.setattr(poster, "poster_pdf", counting)
    url = reverse("public:poster", args=[cast.gym.code])

    first, second = client.get(url), client.get(url)
    Venue.objects.filter(pk=cast.gym.pk).update(name="静安旗舰店")
    third = client.get(url)

    assert first.content == second.content != third.content
    assert printed == [cast.gym.name, "静安旗舰店"]
    assert first["Cache-Control"] == "public, max-age=3600"
