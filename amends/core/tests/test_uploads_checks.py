"""Whole-file upload checks: a name or declared type that lies about the bytes, polyglots, and
PDFs with scripts or automatic actions are refused; honest files pass."""

from __future__ import annotations

import io
import zlib

import pytest

from amends.core.errors import InvalidInput
from amends.core.uploads import UploadKind, check_file, check_pdf, served_name

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00\x01" * 300
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 100
TEXT = "前台态度很差，等了四十分钟。\nThe shower was cold.\n".encode()
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40 + b"PK\x05\x06" + b"\x00" * 18


def pdf(*objects: bytes) -> bytes:
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, o) for n, o in enumerate(objects, start=1))
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"
CLEAN_PDF = pdf(CATALOG, PAGES)


def stream_object(dictionary: bytes, data: bytes) -> bytes:
    return dictionary + b"\nstream\n" + data + b"\nendstream"


def check(data: bytes, name: str = "upload", declared: str = "") -> UploadKind:
    return check_file(name, io.BytesIO(data), len(data), declared_type=declared)


def code_of(data: bytes, name: str = "upload", declared: str = "") -> str:
    with pytest.raises(InvalidInput) as refused:
        check(data, name, declared)
    return refused.value.code


@pytest.mark.parametrize(
    ("data", "name", "declared", "extension"),
    [
        (JPEG, "IMG_0001.JPG", "image/jpeg", ".jpg"),
        (JPEG, "mmexport1700000000000.jpeg", "image/jpg", ".jpg"),
        (JPEG, "photo", "", ".jpg"),  # no extension claims nothing
        (JPEG, "scan.2024", "application/octet-stream", ".jpg"),  # digits are no extension
        (PNG, "现场.png", "image/png", ".png"),
        (GIF, "a.gif", "", ".gif"),
        (CLEAN_PDF, "收据.pdf", "application/pdf", ".pdf"),
        (TEXT, "note.txt", "text/plain; charset=utf-8", ".txt"),
        (TEXT, "note", "", ".txt"),
    ],
)
def test_honest_files_pass(data: bytes, name: str, declared: str, extension: str) -> None:
    assert check(data, name, declared).extension == extension


@pytest.mark.parametrize(
    ("data", "name", "declared"),
    [
        (PNG, "invoice.pdf", ""),  # a PNG named .pdf
        (CLEAN_PDF, "photo.jpg", ""),  # a PDF named .jpg
        (JPEG, "photo.jpg.exe", ""),  # an image named like a program
        (JPEG, "photo.jpg", "image/png"),  # declared as another image type
        (CLEAN_PDF, "receipt.pdf", "image/jpeg"),
        (b"hello <b onmouseover=alert(1)>x</b>", "photo.png", ""),  # text named .png
        (TEXT, "note.txt", "text/html"),  # text declared as a web page
        (TEXT, "page.html", ""),
    ],
)
def test_a_name_or_declared_type_that_lies_is_refused(
    data: bytes, name: str, declared: str
) -> None:
    assert code_of(data, name, declared) == "file_type_mismatch"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",  # HTML
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',  # SVG
        b'<?xml version="1.0"?><svg/>',
        ZIP,  # a zip / docx
        b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml" + b"\x00" * 40,  # a docx
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100,  # an .exe
    ],
)
def test_markup_archives_and_programs_are_refused_whatever_their_name(data: bytes) -> None:
    for name in ("evidence.png", "evidence.pdf", "evidence"):
        assert code_of(data, name) == "unsupported_file_type"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (GIF + b"<script>alert(document.domain)</script>", "a.gif"),  # GIF + script
        (JPEG + b"<!-- --><html><body>hi</body></html>", "a.jpg"),
        (JPEG + ZIP, "a.jpg"),  # a photo with an archive appended (a JAR/ZIP polyglot)
        (CLEAN_PDF + ZIP, "a.pdf"),
        (JPEG[:200] + b"%PDF-1.4\n" + JPEG[200:], "a.jpg"),  # a JPEG that is also a PDF
        (TEXT + b"\n" * 600 + b"<script>alert(1)</script>", "note.txt"),  # past the head
        (TEXT + b"x" * 600 + b"javascript:alert(1)", "note.txt"),
    ],
)
def test_polyglots_are_refused(data: bytes, name: str) -> None:
    assert code_of(data, name) == "file_polyglot"


def test_text_is_checked_to_its_last_byte() -> None:
    assert code_of(TEXT + b"a" * 600 + b"\x00\x01binary", "note.txt") == "unsupported_file_type"


@pytest.mark.parametrize(
    "active",
    [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R /AA << /O 3 0 R >> >>",
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
        b"<< /S /JavaScript /JS 4 0 R >>",
        b"<< /S /Launch /F (cmd.exe) >>",
        b"<< /Type /EmbeddedFile /Length 3 >>",
        b"<< /Names << /EmbeddedFiles 5 0 R >> >>",
        b"<< /Type /RichMedia >>",
        b"<< /XFA 6 0 R >>",
        b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",  # hex-escaped names
        b"<</OpenAction<</S/JavaScript/JS(x)>>>>",  # no spaces
    ],
)
def test_a_pdf_with_scripts_or_automatic_actions_is_refused(active: bytes) -> None:
    assert code_of(pdf(CATALOG, PAGES, active), "a.pdf") == "pdf_active_content"


def test_active_names_hidden_in_stream_data_are_found() -> None:
    hidden = stream_object(b"<< /Length 40 >>", b"junk /JS (app.alert(1)) junk")
    assert code_of(pdf(CATALOG, PAGES, hidden), "a.pdf") == "pdf_active_content"
    long_name = stream_object(b"<< /Length 40 >>", b"\x00\x9f/OpenAction\x00\x01")
    assert code_of(pdf(CATALOG, PAGES, long_name), "a.pdf") == "pdf_active_content"


def test_an_open_action_inside_a_compressed_object_stream_is_found() -> None:
    objects = b"1 0 " + b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript >> >>"
    objstm = stream_object(b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>", b"")
    packed = objstm.replace(
        b"stream\n\nendstream", b"stream\n" + zlib.compress(objects) + b"\nendstream"
    )
    assert code_of(pdf(PAGES, packed), "a.pdf") == "pdf_active_content"
    harmless = zlib.compress(b"1 0 << /Type /Catalog /Pages 2 0 R >>")
    ok = objstm.replace(b"stream\n\nendstream", b"stream\n" + harmless + b"\nendstream")
    check_pdf(pdf(PAGES, ok))


def test_an_object_stream_that_cannot_be_read_is_refused() -> None:
    encrypted = stream_object(
        b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>", bytes(range(7, 200))
    )
    assert code_of(pdf(CATALOG, PAGES, encrypted), "a.pdf") == "pdf_unreadable"


def test_a_clean_pdf_with_binary_streams_and_apple_metadata_passes() -> None:
    # Random-looking image bytes may spell "/JS" or "/AA"; only a script's shape counts there.
    image = stream_object(
        b"<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length 60 >>",
        b"\x12/JS\x00\x99/AA\x01\xfe/JS 7\x00" + bytes(range(256)),
    )
    info = b"<< /Producer (macOS Quartz PDFContext) /AAPL:Keywords [ (receipt) ] >>"
    links = b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://example.com) >> >>"
    assert check(pdf(CATALOG, PAGES, image, info, links), "receipt.pdf").extension == ".pdf"


def test_size_limits_still_hold(settings) -> None:
    settings.AMENDS_MAX_UPLOAD_MB = 1
    big = JPEG + b"\x00" * (1024 * 1024)
    assert code_of(big, "a.jpg") == "file_too_large"
    # A caller that under-reports the size is caught when the file is read.
    with pytest.raises(InvalidInput) as refused:
        check_file("a.jpg", io.BytesIO(big), 100)
    assert refused.value.code == "file_too_large"


def test_the_stream_is_left_at_its_start() -> None:
    stream = io.BytesIO(JPEG)
    check_file("a.jpg", stream, len(JPEG))
    assert stream.tell() == 0


def test_the_served_name_is_made_by_amends() -> None:
    assert served_name("GYM1-2026-000123", 3, ".jpg") == "GYM1-2026-000123-03.jpg"
    assert served_name("GYM1-2026-000123", 112, ".pdf") == "GYM1-2026-000123-112.pdf"


def test_messages_say_what_is_wrong_in_both_languages() -> None:
    from django.utils import translation

    with pytest.raises(InvalidInput) as refused:
        check(PNG, "invoice.pdf")
    with translation.override("en"):
        assert ".png" in str(refused.value.message) and ".pdf" in str(refused.value.message)
