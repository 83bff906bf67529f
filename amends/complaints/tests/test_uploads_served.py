"""Evidence is served under a name amends makes (reference, sequence, sniffed extension), never
the client's, with nosniff; photos inline, everything else as a download. Disguised files are
refused on every face, and nothing is kept of them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Evidence
from amends.complaints.tests.test_evidence import png_bytes
from amends.conftest import Cast
from amends.core.errors import InvalidInput

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
TEXT = "收据：¥300".encode()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def attach(cast: Cast, complaint, data: bytes, name: str) -> Evidence:
    return services.evidence_add(
        complaint=complaint, actor=cast.desk, name=name, stream=io.BytesIO(data), size=len(data)
    )


def fetch(client: Client, cast: Cast, evidence: Evidence):
    client.force_login(cast.manager)
    return client.get(reverse("console:evidence", args=[evidence.pk]))


def test_evidence_is_served_under_the_name_amends_makes(client: Client, cast: Cast) -> None:
    complaint = cast.receive()
    photo = attach(cast, complaint, png_bytes(), "王芳 13800138000 膝盖.png")
    receipt = attach(cast, complaint, PDF, "../../收据.pdf")
    note = attach(cast, complaint, TEXT, "note")

    shown = fetch(client, cast, photo)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"] == f'inline; filename="{complaint.reference}-01.png"'
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in shown["Cache-Control"]
    assert b"".join(shown.streaming_content) == png_bytes()

    downloaded = fetch(client, cast, receipt)
    assert downloaded["Content-Disposition"] == (
        f'attachment; filename="{complaint.reference}-02.pdf"'
    )
    assert downloaded["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in downloaded["Content-Security-Policy"]
    text = fetch(client, cast, note)
    assert text["Content-Disposition"] == f'attachment; filename="{complaint.reference}-03.txt"'
    for response in (shown, downloaded, text):
        assert "13800138000" not in response["Content-Disposition"]
        assert "收据" not in response["Content-Disposition"]


def test_stored_names_are_generated_too(cast: Cast, tmp_path: Path) -> None:
    complaint = cast.receive()
    evidence = attach(cast, complaint, png_bytes(), "王芳-13800138000.png")
    stored = [p.name for p in tmp_path.rglob("*") if p.is_file()]
    assert stored == [f"{evidence.token}.png"]
    assert "13800138000" not in evidence.file.name
    # The client's name survives only as a cleaned label, its personal data masked.
    label = evidence.original_name
    assert label.startswith("王芳-138") and label.endswith("8000.png")
    assert "13800138000" not in label


def test_the_service_refuses_a_disguised_file_and_keeps_nothing(cast: Cast, tmp_path: Path) -> None:
    complaint = cast.receive()
    for data, name in ((png_bytes(), "invoice.pdf"), (PDF, "photo.jpg")):
        with pytest.raises(InvalidInput) as refused:
            attach(cast, complaint, data, name)
        assert refused.value.code == "file_type_mismatch"
    active = PDF.replace(b"/Pages 2 0 R", b"/Pages 2 0 R /OpenAction << /S /JavaScript /JS (x) >>")
    with pytest.raises(InvalidInput) as refused:
        attach(cast, complaint, active, "receipt.pdf")
    assert refused.value.code == "pdf_active_content"
    assert not Evidence.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_over_long_description_is_refused_by_the_service(cast: Cast) -> None:
    complaint = cast.receive()
    data = png_bytes()
    with pytest.raises(InvalidInput) as refused:
        services.evidence_add(
            complaint=complaint,
            actor=cast.desk,
            name="a.png",
            stream=io.BytesIO(data),
            size=len(data),
            description="长" * 301,
        )
    assert refused.value.code == "text_too_long"
    assert not Evidence.objects.exists()


def test_the_intake_tells_which_photo_was_refused_and_why(client: Client, cast: Cast) -> None:
    client.force_login(cast.desk)
    form = {
        "venue": cast.gym.pk,
        "channel": "front_desk",
        "customer_name": "王芳",
        "phone": "13800138000",
        "description": "跑步机打滑",
        "language": "zh-hans",
        "review": "1",
        "confirm": "1",
        "photos": [SimpleUploadedFile("<b>x</b>.pdf", png_bytes(), content_type="image/png")],
    }
    response = client.post(reverse("console:intake"), form, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;b&gt;" not in html and "<b>x</b>" not in html  # the name is cleaned, not echoed
    assert not Evidence.objects.exists()
